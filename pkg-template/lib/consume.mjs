// `set.consume({ signal })`: items as they become eligible (at-most-once, as pop()),
// until the signal aborts.

import { KeyError } from './errors.mjs';

/** Yields what `set.popWait(pollMs)` pops until `signal` aborts (noticed within pollMs). */
export async function* consume(set, connections, { signal, pollMs = 1000 } = {}) {
  connections?.hold();
  try {
    while (!signal?.aborted) {
      try {
        yield await set.popWait(pollMs);
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
      }
    }
  } finally {
    connections?.unhold();
  }
}
