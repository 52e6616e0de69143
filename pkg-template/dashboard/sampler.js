'use strict';
// Reads every set's stats() once per refresh (one round trip per set), keeps the latest
// for the API with the items in and out per second since the refresh before (for a set
// that counts), and a point per history step; finds sets again every `discoverMs`. The
// page's polls read what the sampler holds, so Redis sees the same few commands per
// second however many pages are open.
const { History, flow } = require('./history.js');
const views = require('./views.js');

class Sampler {
  #registry;
  #refreshMs;
  #discoverMs;
  #historyOptions;
  #onError;
  /**
   * name → the last good reading ({ at, stats }), the flow (items/s in and out) from
   * the reading `base` half a refresh or more before it, the last read's error, when that
   * read was asked, and the history.
   */
  #samples = new Map();
  #timer = null;
  #lastDiscovery = -Infinity;
  #running = null;
  #closed = false;

  constructor(registry, { refreshMs, discoverMs, historyStepMs, historyMs, onError }) {
    this.#registry = registry;
    this.#refreshMs = refreshMs;
    this.#discoverMs = discoverMs;
    this.#historyOptions = { stepMs: historyStepMs, spanMs: historyMs };
    this.#onError = onError;
  }

  get refreshMs() {
    return this.#refreshMs;
  }

  /** Samples now, then every refreshMs until close(); the timer does not hold the process open. */
  start() {
    const tick = () => {
      this.#timer = null;
      this.sample().finally(() => {
        if (!this.#closed) this.#timer = setTimeout(tick, this.#refreshMs).unref();
      });
    };
    tick();
  }

  close() {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** One pass (or the one under way): discovery when due, then every set's stats. */
  sample() {
    this.#running ??= this.#pass().finally(() => { this.#running = null; });
    return this.#running;
  }

  /** The pass under way or the first one, so that a request never sees no sample at all. */
  async ready() {
    if (this.#running) await this.#running;
  }

  async #pass() {
    const now = Date.now();
    if (now - this.#lastDiscovery >= this.#discoverMs) {
      try {
        await this.#registry.refresh();
        this.#lastDiscovery = now;
      } catch (err) {
        this.#onError('finding sets failed', err);
      }
    }
    await Promise.all(this.#registry.list().map((entry) => this.sampleSet(entry)));
  }

  /** Reads one set's stats now (after a change, so that the page shows its effect at once). */
  async sampleSet({ name, set }) {
    const sample = this.#sampleOf(name);
    const askedAt = Date.now();
    let raw;
    try {
      raw = await set.stats();
    } catch (err) {
      // The last figures stay, marked stale by the error and their time.
      if (askedAt >= sample.askedAt) sample.error = errorJSON(err);
      return;
    }
    // A read asked before the one already kept (a pass overtaken by a change's) is older.
    if (askedAt < sample.askedAt) return;
    const reading = { at: Date.now(), stats: views.stats(raw) };
    Object.assign(sample, { reading, error: null, askedAt });
    // Flows over half a refresh at least: a change's read right after a pass would
    // divide by a few ms.
    if (!sample.base || reading.at - sample.base.at >= this.#refreshMs / 2) {
      sample.flow = sample.base && flow(sample.base, reading);
      sample.base = reading;
    }
    sample.history.record(reading);
  }

  #sampleOf(name) {
    let sample = this.#samples.get(name);
    if (!sample) {
      sample = { reading: null, base: null, flow: null, error: null, askedAt: -Infinity, history: new History(this.#historyOptions) };
      this.#samples.set(name, sample);
    }
    return sample;
  }

  /** The latest sample of a set, or null before its first pass. */
  latest(name) {
    return this.#samples.get(name) ?? null;
  }
}

/** An error as the API reports it: its class name and message. */
const errorJSON = (err) => ({ code: err?.name ?? 'Error', message: String(err?.message ?? err) });

module.exports = { Sampler, errorJSON };
