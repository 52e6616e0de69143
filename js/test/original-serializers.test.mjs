// The original Python redset's tests/test_serializers.py, in our own words, on every
// client of the matrix.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { JsonSerializer, SortedSet } from '../../pkg/index.mjs';
import { CLIENTS, startRedis } from './helpers.mjs';

let server;
before(async () => { server = await startRedis(); });
after(async () => { await server.stop(); });

for (const { name: clientName, connect } of CLIENTS) {
  describe(clientName, () => {
    let conn;
    before(async () => { conn = await connect(server.socket); });
    after(async () => { await conn.close(); });

    test('TestNTSerializer.test_nt_serializer', async () => {
      // The original's namedtuple DiscoTask('tiger,woods') with NamedtupleSerializer: an
      // object with JsonSerializer (both store a JSON object).
      const ss = new SortedSet(conn.client, `${clientName}:TestNTSerializer`, { serializer: new JsonSerializer() });
      const dt = { tiger: 'larry', woods: 'david' };
      await ss.add(dt);
      assert.equal(await ss.len(), 1);
      assert.equal(await ss.has(dt), true);
      assert.deepEqual(await ss.pop(), dt);
    });
  });
}
