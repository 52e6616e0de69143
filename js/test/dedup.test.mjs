// Idempotent producers: with `dedupWindow`, add / addMany skip an item added within the
// window, even one consumed meanwhile (a producer's retried add is not delivered twice).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { eachClient, now } from './helpers.mjs';

eachClient((t) => {
  test('a retried add within the window is skipped, even after its item was consumed', async () => {
    const name = t.key('jobs');
    const producer = new SortedSet(t.conn.client, name, { dedupWindow: 400 });
    const consumer = new SortedSet(t.conn.client, name);
    await producer.add('a');
    assert.equal(await consumer.pop(), 'a');
    await producer.add('a');
    assert.equal(await consumer.len(), 0);
    assert.equal(await producer.addMany(['a', 'b', 'b', 'c']), 2);
    assert.deepEqual(await consumer.take(10), ['b', 'c']);
    await sleep(500);
    await producer.add('a');
    assert.equal(await consumer.pop(), 'a');
    const scheduled = new ScheduledSet(t.conn.client, t.key('retries'), { dedupWindow: 60000 });
    await scheduled.add('x', now() - 1);
    await scheduled.add('x', now() + 3600); // skipped: the first score stays
    assert.ok((await scheduled.score('x')) < now());
    assert.throws(() => new SortedSet(t.conn.client, name, { dedupWindow: -1 }), RangeError);
  });
});
