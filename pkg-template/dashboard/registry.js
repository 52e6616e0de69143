'use strict';
// The sets a dashboard shows: those it was given (set objects, names, or { name, kind })
// and, with `discover`, those found in Redis by their companion keys. A set given as an
// object is used as it is, with its serializer; a name gets a view of the package's
// own class for its kind, items read as strings.
const { SortedSet, TimeSortedSet, ScheduledSet } = require('../index.js');
const { discoverSets } = require('./discovery.js');

const CLASSES = { sorted: SortedSet, time: TimeSortedSet, scheduled: ScheduledSet };
// Lowest scores from here on read as UNIX times (September 2001 onwards).
const UNIX_TIME_FROM = 1e9;

const kindOf = (set) => {
  if (set instanceof ScheduledSet) return 'scheduled';
  if (set instanceof TimeSortedSet) return 'time';
  return 'sorted';
};

class Registry {
  #client;
  #discover;
  /** name → { name, set, kind, guessed } in the order shown: given first, then found. */
  #entries = new Map();

  constructor(client, sets, { discover }) {
    this.#client = client;
    this.#discover = discover;
    for (const spec of sets) {
      const entry = this.#entryFor(spec);
      if (this.#entries.has(entry.name)) throw new TypeError(`sets: "${entry.name}" is given twice`);
      this.#entries.set(entry.name, entry);
    }
  }

  #entryFor(spec) {
    // The application's own set object runs with its own options (its maxDeliveries).
    if (spec instanceof SortedSet) return { name: spec.name, set: spec, kind: kindOf(spec), guessed: false, known: true, own: true };
    const { name, kind } = typeof spec === 'string' ? { name: spec } : spec ?? {};
    if (typeof name !== 'string') throw new TypeError('sets: each a set object, a name, or { name, kind }');
    if (kind === undefined) return this.#view(name, 'sorted', true);
    if (!(kind in CLASSES)) throw new TypeError(`sets: kind of "${name}" must be sorted, time or scheduled`);
    return this.#view(name, kind, false);
  }

  #view(name, kind, guessed) {
    return { name, set: new CLASSES[kind](this.#client, name, { blockingWaits: false }), kind, guessed, known: !guessed, own: false };
  }

  /**
   * The set of `entry` for a recover: the application's own set object as it is;
   * else a view that sends an expired item to the dead letters after the maximum
   * deliveries its consumers last claimed with (each claim keeps it with the set), or
   * the package's default if none has, and counts what it does if the set counts.
   */
  async recovering(entry) {
    if (entry.own) return entry.set;
    const { maxDeliveries, counters } = await entry.set.stats();
    return new CLASSES[entry.kind](this.#client, entry.name, {
      blockingWaits: false, maxDeliveries: maxDeliveries ?? undefined, metrics: counters !== null,
    });
  }

  get(name) {
    return this.#entries.get(name);
  }

  list() {
    return [...this.#entries.values()];
  }

  /**
   * Finds new sets (with `discover`) and guesses the kind of each named set not told
   * yet: scheduled if its lowest score reads as a UNIX time (due then means score <=
   * now, which is also right for a time-ordered set), else sorted. An empty set is
   * guessed again on the next pass.
   */
  async refresh() {
    if (this.#discover) {
      for (const name of await discoverSets(this.#client)) {
        if (!this.#entries.has(name)) this.#entries.set(name, this.#view(name, 'sorted', true));
      }
    }
    for (const entry of this.#entries.values()) {
      if (entry.known) continue;
      const lowest = await entry.set.peekScore();
      if (lowest === null) continue;
      if (lowest >= UNIX_TIME_FROM) Object.assign(entry, this.#view(entry.name, 'scheduled', true));
      entry.known = true;
    }
  }
}

module.exports = { Registry };
