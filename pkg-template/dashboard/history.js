'use strict';
// A set's figures over the last span (an hour by default), kept in the host process
// while it runs: one point per step, oldest first, older points dropped. Each series is
// a name and a unit: the depths of `stats()` (items), and for a set that counts
// server-side (the option `metrics`), the items in and out per second between points.
// A new series is one more entry here: the API and the page chart any series by unit.

const SERIES = [
  { name: 'waiting', unit: 'items' },
  { name: 'due', unit: 'items' },
  { name: 'inFlight', unit: 'items' },
  { name: 'dead', unit: 'items' },
  { name: 'in', unit: 'items/s' },
  { name: 'out', unit: 'items/s' },
];

/** Items that entered the set: added, or back from a lease (retried, released, expired) or from the dead letters. */
const entered = (c) => c.added + c.retried + c.released + c.recovered + c.requeued;

/**
 * Items per second into the set and out of it (claimed) between two readings
 * `{ at, stats }` (ms; the API's stats), as the CLI's `stats --watch` counts them; null
 * unless both have the server-side counters.
 */
function flow(before, after) {
  const [was, is] = [before.stats.counters, after.stats.counters];
  const seconds = (after.at - before.at) / 1000;
  if (!was || !is || !(seconds > 0)) return null;
  return {
    inPerSec: Math.max(0, entered(is) - entered(was)) / seconds,
    outPerSec: Math.max(0, is.claimed - was.claimed) / seconds,
  };
}

class History {
  #stepMs;
  #capacity;
  #times = [];
  #values = SERIES.map(() => []);
  /** The reading of the last point, the base of the next point's flows. */
  #last = null;

  constructor({ stepMs, spanMs }) {
    this.#stepMs = stepMs;
    this.#capacity = Math.max(1, Math.ceil(spanMs / stepMs));
  }

  /**
   * Records the reading `{ at, stats }` (ms; the API's stats) if a step has passed since
   * the last point; a reading within the same step is not a new point. A missing value
   * (no counters) is a gap, drawn as one.
   */
  record(reading) {
    if (this.#last && reading.at - this.#last.at < this.#stepMs) return;
    const rates = this.#last && flow(this.#last, reading);
    const values = { ...reading.stats, in: rates?.inPerSec, out: rates?.outPerSec };
    this.#last = reading;
    this.#times.push(reading.at);
    SERIES.forEach(({ name }, i) => this.#values[i].push(values[name] ?? null));
    if (this.#times.length > this.#capacity) {
      this.#times.shift();
      this.#values.forEach((v) => v.shift());
    }
  }

  toJSON() {
    return {
      stepMs: this.#stepMs,
      spanMs: this.#capacity * this.#stepMs,
      t: this.#times.slice(),
      series: SERIES.map(({ name, unit }, i) => ({ name, unit, values: this.#values[i].slice() })),
    };
  }
}

module.exports = { History, flow };
