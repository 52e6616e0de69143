'use strict';
// A set's figures over the last span (an hour by default), kept in the host process
// while it runs: one point per step, oldest first, older points dropped. Each series is
// a name and a unit; today the depths of `stats()` (items), and once sets count items
// server-side, the items in and out per second are more series of the same shape, so
// the API and the page need no change for them.

/** The series of `stats()`: how many items are in each state. */
const DEPTHS = [
  { name: 'waiting', unit: 'items' },
  { name: 'due', unit: 'items' },
  { name: 'inFlight', unit: 'items' },
  { name: 'dead', unit: 'items' },
];

class History {
  #stepMs;
  #capacity;
  #series;
  #times = [];
  #values;

  constructor({ stepMs, spanMs, series = DEPTHS }) {
    this.#stepMs = stepMs;
    this.#capacity = Math.max(1, Math.ceil(spanMs / stepMs));
    this.#series = series;
    this.#values = series.map(() => []);
  }

  /**
   * Records `values` (by series name) taken at `at` (ms) if a step has passed since the
   * last point; a sample within the same step is not a new point. A missing value is a
   * gap (null), drawn as one.
   */
  record(at, values) {
    const last = this.#times.at(-1);
    if (last !== undefined && at - last < this.#stepMs) return false;
    this.#times.push(at);
    this.#series.forEach(({ name }, i) => this.#values[i].push(values[name] ?? null));
    if (this.#times.length > this.#capacity) {
      this.#times.shift();
      this.#values.forEach((v) => v.shift());
    }
    return true;
  }

  toJSON() {
    return {
      stepMs: this.#stepMs,
      spanMs: this.#capacity * this.#stepMs,
      t: this.#times.slice(),
      series: this.#series.map(({ name, unit }, i) => ({ name, unit, values: this.#values[i].slice() })),
    };
  }
}

module.exports = { History, DEPTHS };
