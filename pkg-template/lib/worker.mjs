// `set.process(handler, options)`: the worker on leases, the counterpart of BullMQ's
// `Worker` and of the Rust crate's `aio` worker. As there, each job is a span
// (`redset.job`, tracing.mjs) around its handler and its settling, and the worker's own
// claims, acks and extends are not spans of their own: they go to the driver directly.
//
// Prefetch, as RabbitMQ's basic.qos or SQS's batch receive bound it: each of the
// `concurrency` loops holds a share of `prefetch` claimed-but-not-started leases, and
// acks the jobs it finished together with its next claim, so a round trip carries
// several jobs. The rule that decides how much to hold is the same as the Rust worker's
// (src/native/worker.rs); every claim, ack and limit is the core's.

import { LeaseLost, RateLimited } from './errors.mjs';
import { SET_OPERATIONS } from './operations.mjs';
import { endJob, inJob, startJob } from './tracing.mjs';

const { ackAndClaim, ackMany, claimWait, extend, isPaused, rateLimited, release, retry } = SET_OPERATIONS;

/** Weight of the latest handler time in the moving average that decides prefetching. */
const RECENT_WEIGHT = 0.2;
/** Prefetch only while a share of held jobs runs in under this fraction of the lease. */
const HOLD_SHARE_OF_LEASE = 0.01;

/**
 * Runs `handler(item, lease)` on items as they come, on leases: acks when it resolves,
 * retries (with the backoff; the dead letters after maxDeliveries) when it throws, and
 * extends every lease it holds every `leaseMs / 3`. `concurrency` handlers run at
 * once; beyond them the worker holds at most `prefetch` claimed leases not yet started
 * (default `8 * concurrency`; each of its loops holds a share, and an empty-handed loop
 * takes from a sibling's before it claims), and only while a loop's
 * recent handler time, times its share, stays under 1% of the lease. Finished jobs are acked together with the
 * next claim. A claim that comes back short while leases are held asks whether the set
 * is paused, and if so gives the held ones back at once. When `signal` aborts it stops
 * claiming, acks what finished, releases what it held, waits up to `shutdownMs` for
 * running handlers, and releases the leases of those still running. A handler that
 * throws RateLimited gives its item back uncounted and holds the whole set for its
 * `retryAfterMs`; the worker's claims are the set's, so pause, limits and groups hold.
 * Resolves with `{ acked, retried, released, rateLimited }` once stopped.
 * `driver`: the set's (driver.mjs), with its pool for blocking waits, kept open while
 * the worker runs (or null).
 */
export async function runWorker(driver, handler, { concurrency = 1, prefetch, leaseMs = 30000, signal, shutdownMs = leaseMs, pollMs = 1000 } = {}) {
  if (typeof handler !== 'function') throw new TypeError('process(handler) takes a function');
  prefetch ??= 8 * concurrency;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`process: prefetch must be a whole number ≥ 0, not ${prefetch}`);
  const { connections } = driver;
  const name = driver.core.name;
  const counts = { acked: 0, retried: 0, released: 0, rateLimited: 0 };
  // Every lease the worker holds, in each loop's hands, running, or finished and not
  // yet acked: the heartbeat extends them all, the shutdown settles what is left.
  const holding = new Set();
  // Each loop's claimed-but-not-started jobs, for an empty-handed loop to take from.
  const hands = [];
  // Stops on the caller's abort, or on the first failure of a loop (which is rethrown).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal?.aborted) stop.abort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let failure = null;
  // One heartbeat for every held lease (a timer per job cost 7 µs a job): each lease is
  // extended within a third of it from its claim, and every third after.
  const beat = setInterval(() => {
    for (const job of holding) {
      if (job.settled) continue;
      driver.run(extend, job.lease, leaseMs).catch((err) => {
        // A held lease that expired belongs to another worker now: not ours to start.
        if (err instanceof LeaseLost && job.state === 'held') letGo(job, err, null);
      });
    }
  }, Math.max(10, leaseMs / 3));

  const hold = (leases) => leases.map((lease) => {
    const job = { lease, settled: false, state: 'held', span: null };
    holding.add(job);
    return job;
  });
  const letGo = (job, outcome, thrown) => {
    job.settled = true;
    holding.delete(job);
    if (job.span !== null) endJob(job.span, outcome, thrown);
  };
  // Gives held-but-not-started jobs back at once, uncounted.
  const giveBack = async (jobs) => {
    for (const job of jobs.splice(0)) {
      if (job.settled) continue;
      job.settled = true;
      try {
        await driver.run(release, job.lease);
        counts.released++;
      } catch (err) {
        if (!(err instanceof LeaseLost)) throw err;
      } finally {
        holding.delete(job);
      }
    }
  };
  // Acks the finished jobs and claims `count` more in one round trip; a lost lease
  // (held too long: another worker has it now) fails only its own job.
  const settle = async (finished, count) => {
    const jobs = finished.splice(0).filter((job) => !job.settled);
    const leases = jobs.map((job) => job.lease);
    let claimed = [];
    let lostError = null;
    try {
      if (leases.length === 0) claimed = count > 0 ? await driver.run(claimWait, count, leaseMs, pollMs) : [];
      else if (count > 0) claimed = await driver.run(ackAndClaim, leases, count, leaseMs);
      else await driver.run(ackMany, leases);
    } catch (err) {
      if (!(err instanceof LeaseLost)) throw err;
      lostError = err;
    }
    const lost = new Set((lostError?.tokens ?? []).map(Number));
    for (const job of jobs) {
      if (lost.has(Number(job.lease.token))) {
        letGo(job, lostError, null);
      } else {
        counts.acked++;
        letGo(job, 'acked', null);
      }
    }
    return hold(claimed);
  };
  // Runs one job; true when it succeeded (its ack waits for the loop's next settle).
  // `timed(ms)` is told how long the handler took.
  const work = async (job, timed) => {
    job.state = 'running';
    job.span = startJob(name, job.lease);
    let thrown = null;
    const started = performance.now();
    try {
      await inJob(job.span, () => handler(job.lease.item, job.lease));
    } catch (err) {
      thrown = err;
    }
    timed(performance.now() - started);
    if (job.settled) return false; // released at shutdown
    if (thrown === null) {
      job.state = 'finished';
      return true;
    }
    try {
      if (thrown instanceof RateLimited) {
        await driver.run(rateLimited, job.lease, thrown.retryAfterMs);
        counts.rateLimited++;
        letGo(job, 'rate_limited', thrown);
      } else {
        await driver.run(retry, job.lease, { reason: thrown instanceof Error ? thrown.message : String(thrown) });
        counts.retried++;
        letGo(job, 'retried', thrown);
      }
    } catch (err) {
      if (!(err instanceof LeaseLost)) throw err;
      letGo(job, err, thrown);
    }
    return false;
  };
  const loop = async (share) => {
    const held = []; // claimed, not started
    hands.push(held);
    const finished = []; // handled, to be acked with the next claim
    // Moving average of this loop's handler times (ms); null until one has run.
    let recentMs = null;
    const timed = (took) => { recentMs = recentMs === null ? took : recentMs + RECENT_WEIGHT * (took - recentMs); };
    // What this loop claims next: one to run, plus its share while handlers are quick.
    const wanted = () => {
      const quick = recentMs !== null && recentMs * share <= leaseMs * HOLD_SHARE_OF_LEASE;
      return 1 + (quick ? share : 0);
    };
    // Settle once the loop's hands are down to a quarter of its share, so the next
    // claim's reply can still tell a pause while leases are held.
    const low = Math.floor(share / 4);
    try {
      while (!stop.signal.aborted) {
        if (held.length === 0) {
          // Empty-handed: help a sibling with what it holds before claiming more, so
          // no job waits in one loop's hands while another loop idles.
          const richest = hands.reduce((most, other) => (other.length > most.length ? other : most), held);
          if (richest.length > 0) held.push(richest.pop());
          else {
            held.push(...(await settle(finished, wanted())));
            continue;
          }
        }
        const job = held.shift();
        if (job.settled || !(await work(job, timed))) continue;
        finished.push(job);
        if (held.length > low || stop.signal.aborted) continue;
        // Empty-handed while a sibling holds plenty: help it first, acks kept for one
        // settle (at most a share's worth), as the sibling's own batch would be.
        if (held.length === 0 && finished.length <= share && hands.some((h) => h.length > low)) continue;
        const count = Math.max(0, wanted() - held.length);
        const claimed = await settle(finished, count);
        const short = claimed.length < count && hands.some((h) => h.length > 0);
        held.push(...claimed);
        if (short && (await driver.run(isPaused))) {
          // Paused: what the worker holds but has not started goes back now.
          for (const h of hands) await giveBack(h);
        }
      }
      await settle(finished, 0);
      await giveBack(held);
    } catch (err) {
      failure ??= err;
      stop.abort();
    }
  };
  connections?.hold();
  const shares = Array.from({ length: concurrency }, (_, i) => Math.floor(prefetch / concurrency) + (i < prefetch % concurrency ? 1 : 0));
  const loops = Promise.all(shares.map(loop)).finally(() => connections?.unhold());
  await new Promise((resolve) => {
    if (stop.signal.aborted) resolve();
    else stop.signal.addEventListener('abort', resolve, { once: true });
  });
  signal?.removeEventListener('abort', onAbort);
  let timer;
  await Promise.race([loops, new Promise((resolve) => { timer = setTimeout(resolve, shutdownMs); })]);
  clearTimeout(timer);
  clearInterval(beat);
  // Past the deadline: what finished is acked; what still runs, or waits in a loop's
  // hands, goes back.
  const finished = [...holding].filter((job) => !job.settled && job.state === 'finished');
  if (finished.length > 0) await settle(finished, 0).catch((err) => { failure ??= err; });
  for (const job of [...holding]) {
    if (job.settled) continue;
    job.settled = true;
    await driver.run(release, job.lease).then(() => {
      counts.released++;
      if (job.span !== null) endJob(job.span, 'released', null);
    }, (err) => { if (job.span !== null) endJob(job.span, err, null); });
    holding.delete(job);
  }
  if (failure !== null) throw failure;
  return counts;
}
