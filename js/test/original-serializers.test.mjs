// The original Python redset's tests/test_serializers.py, in our own words, on every
// client of the matrix.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { JsonSerializer, SortedSet } from '../../pkg/index.mjs';
import { eachClient } from './helpers.mjs';

eachClient((t) => {
  test('TestNTSerializer.test_nt_serializer', async () => {
    // The original's namedtuple DiscoTask('tiger,woods') with NamedtupleSerializer: an
    // object with JsonSerializer (both store a JSON object).
    const ss = new SortedSet(t.conn.client, `${t.clientName}:TestNTSerializer`, { serializer: new JsonSerializer() });
    const dt = { tiger: 'larry', woods: 'david' };
    await ss.add(dt);
    assert.equal(await ss.len(), 1);
    assert.equal(await ss.has(dt), true);
    assert.deepEqual(await ss.pop(), dt);
  });
});
