// `set.process(handler, options)`: the worker on leases, the counterpart of BullMQ's
// `Worker` and of the Rust crate's `aio` worker. As there, each job is a span
// (`redset.job`, tracing.mjs) around its handler and its settling, and the worker's own
// claims, acks and extends are not spans of their own: they go to the driver directly.

import { LeaseLost, RateLimited } from './errors.mjs';
import { SET_OPERATIONS } from './operations.mjs';
import { endJob, inJob, startJob } from './tracing.mjs';

const { ack, ackAndClaim, claimWait, extend, rateLimited, release, retry } = SET_OPERATIONS;

/**
 * Runs `handler(item, lease)` on items as they come, on leases: acks when it resolves,
 * retries (with the backoff; the dead letters after maxDeliveries) when it throws, and
 * extends the lease every `leaseMs / 3` while it runs. `concurrency` handlers run at
 * once. When `signal` aborts it stops claiming, waits up to `shutdownMs` for running
 * handlers, and releases the leases of those still running. A handler that throws
 * RateLimited gives its item back uncounted and holds the whole set for its
 * `retryAfterMs`; the worker's claims are the set's, so pause, limits and groups hold.
 * Resolves with `{ acked, retried, released, rateLimited }` once stopped.
 * `driver`: the set's (driver.mjs), with its pool for blocking waits, kept open while
 * the worker runs (or null).
 */
export async function runWorker(driver, handler, { concurrency = 1, leaseMs = 30000, signal, shutdownMs = leaseMs, pollMs = 1000 } = {}) {
  if (typeof handler !== 'function') throw new TypeError('process(handler) takes a function');
  const { connections } = driver;
  const name = driver.core.name;
  const counts = { acked: 0, retried: 0, released: 0, rateLimited: 0 };
  const running = new Set();
  // Stops on the caller's abort, or on the first failure of a loop (which is rethrown).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal?.aborted) stop.abort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let failure = null;
  // One heartbeat for every running handler (a timer per job cost 7 µs a job): each
  // lease is extended within a third of it from its start, and every third after.
  const beat = setInterval(() => {
    for (const job of running) if (!job.settled) driver.run(extend, job.lease, leaseMs).catch(() => {});
  }, Math.max(10, leaseMs / 3));
  const work = async (lease) => {
    const job = { lease, settled: false, span: startJob(name, lease) };
    running.add(job);
    let thrown = null;
    let outcome;
    try {
      try {
        await inJob(job.span, () => handler(lease.item, lease));
      } catch (err) {
        thrown = err;
      }
      if (job.settled) return; // released at shutdown
      job.settled = true;
      if (thrown === null && !stop.signal.aborted) {
        // Done, and the next one in the same round trip.
        const [next] = await driver.run(ackAndClaim, [lease], 1, leaseMs);
        counts.acked++;
        outcome = 'acked';
        return next;
      } else if (thrown === null) {
        await driver.run(ack, lease);
        counts.acked++;
        outcome = 'acked';
      } else if (thrown instanceof RateLimited) {
        await driver.run(rateLimited, lease, thrown.retryAfterMs);
        counts.rateLimited++;
        outcome = 'rate_limited';
      } else {
        await driver.run(retry, lease, { reason: thrown instanceof Error ? thrown.message : String(thrown) });
        counts.retried++;
        outcome = 'retried';
      }
    } catch (err) {
      outcome = err;
      if (!(err instanceof LeaseLost)) throw err; // held too long: another worker has it now
    } finally {
      running.delete(job);
      if (outcome !== undefined) endJob(job.span, outcome, thrown);
    }
    return undefined;
  };
  const loop = async () => {
    try {
      let next;
      while (!stop.signal.aborted) {
        const lease = next ?? (await driver.run(claimWait, 1, leaseMs, pollMs))[0];
        next = lease === undefined ? undefined : await work(lease);
      }
      // Claimed with the last ack, but stopped before its turn: back at once.
      if (next !== undefined) {
        await driver.run(release, next).then(() => { counts.released++; }, (err) => {
          if (!(err instanceof LeaseLost)) throw err;
        });
      }
    } catch (err) {
      failure ??= err;
      stop.abort();
    }
  };
  connections?.hold();
  const loops = Promise.all(Array.from({ length: concurrency }, loop)).finally(() => connections?.unhold());
  await new Promise((resolve) => {
    if (stop.signal.aborted) resolve();
    else stop.signal.addEventListener('abort', resolve, { once: true });
  });
  signal?.removeEventListener('abort', onAbort);
  let timer;
  await Promise.race([loops, new Promise((resolve) => { timer = setTimeout(resolve, shutdownMs); })]);
  clearTimeout(timer);
  clearInterval(beat);
  for (const job of [...running]) {
    if (job.settled) continue;
    job.settled = true;
    await driver.run(release, job.lease).then(() => {
      counts.released++;
      endJob(job.span, 'released', null);
    }, (err) => endJob(job.span, err, null));
  }
  if (failure !== null) throw failure;
  return counts;
}
