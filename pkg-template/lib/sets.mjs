// The set classes: a constructor that wires a set's core, client and driver together,
// and methods that only forward to the driver (from operations.mjs) or to the consumer
// loops. Documented in index.d.ts.

import { binding } from './binding.mjs';
import { adapterFor } from './clients/index.mjs';
import { consume } from './consume.mjs';
import { Driver, STEP } from './driver.mjs';
import { PREPARED, SCHEDULED_OPERATIONS, SET_OPERATIONS } from './operations.mjs';
import { serializerSpec } from './serializers.mjs';
import { inOperationSpan, operationName, tracing } from './tracing.mjs';
import { WaitConnections } from './wait-connections.mjs';
import { runWorker } from './worker.mjs';

// A set's driver; module-private, so that the forwarding methods reach it.
const DRIVER = Symbol('redset driver');

/**
 * A Redis-backed sorted set safe for consumption by many processes. Lowest score first;
 * the default score is 0. Stored at the Redis key `name`. Its options are described in
 * index.d.ts (`SetOptions`); the binding checks them.
 */
export class SortedSet {
  static kind = 'sorted';

  constructor(client, name, options = {}) {
    const { scorer, serializer, logger, blockingWaits, timeout, groupBy, ...rest } = options ?? {};
    const adapter = adapterFor(client);
    const connections = blockingWaits === false ? null : WaitConnections.for(client, adapter);
    const core = new (binding().WasmSet)(new.target.kind, name, serializerSpec(serializer), scorer,
      logger ?? ((...args) => console.warn(...args)), {
        ...rest,
        timeout,
        originalLock: rest.originalLock ?? !adapter.isCluster(client),
        blockingWaits: connections !== null,
      }, STEP);
    if (groupBy != null) core.groupBy(groupBy);
    if (adapter.routeKey !== undefined) core.markKeys(adapter.routeKey);
    if (adapter.lowercaseNames !== undefined) core.lowercaseNames((adapter.lowercaseNames.keep ?? []).join(' '));
    this[DRIVER] = new Driver(core, adapter.send(client), connections, timeout ?? 0, adapter.ordered === true,
      adapter.freshReplies === true);
  }

  /** The set's name: the Redis key it is stored at. */
  get name() {
    return this[DRIVER].core.name;
  }

  /** Items as they become eligible, until `signal` aborts (see index.d.ts). */
  consume(options) {
    return consume(this, this[DRIVER].connections, options);
  }

  /** The worker on leases (see index.d.ts and worker.mjs). */
  process(handler, options) {
    return runWorker(this[DRIVER], handler, options);
  }

  toString() {
    return this[DRIVER].core.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString();
  }
}

/** A FIFO set: the default score is the time of `add` (UNIX seconds). */
export class TimeSortedSet extends SortedSet {
  static kind = 'time';
}

/** A time-ordered set that hands out only items whose score (UNIX seconds) is <= now. */
export class ScheduledSet extends TimeSortedSet {
  static kind = 'scheduled';
}

/**
 * Gives `Class` a method per operation, each forwarding its arguments to the driver —
 * in a span of its own when the application traces (tracing.mjs).
 */
function forward(Class, operations) {
  for (const [name, start] of Object.entries(operations)) {
    const operation = operationName(name);
    // A method named as the operation (for stack traces), not enumerable, as a class's.
    const which = Object.hasOwn(PREPARED, name) ? PREPARED[name] : undefined;
    const via = name === 'add' ? runAdd : which === undefined ? runOperation : runPrepared;
    const method = {
      [name](a, b, c) {
        const driver = this[DRIVER];
        if (!tracing()) return via(driver, which, start, a, b, c);
        return inOperationSpan(driver.core.name, operation, () => via(driver, which, start, a, b, c));
      },
    }[name];
    Object.defineProperty(Class.prototype, name, { value: method, writable: true, configurable: true });
  }
}

/**
 * An operation run in a slot (`which` is unused), prepared operation `which`, or `add`,
 * which the core prepares as its own two commands (the driver's runAdd).
 */
const runOperation = (driver, which, start, a, b, c) => driver.run(start, a, b, c);
const runPrepared = (driver, which, start, a, b, c) => driver.runPrepared(which, start, a, b, c);
const runAdd = (driver, which, start, a, b) => driver.runAdd(start, a, b);

forward(SortedSet, SET_OPERATIONS);
forward(ScheduledSet, SCHEDULED_OPERATIONS);
