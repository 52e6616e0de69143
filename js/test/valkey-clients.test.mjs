// The Valkey clients Node services now pick, on a real server: iovalkey (ioredis's
// fork) and Valkey GLIDE (its customCommand with the Bytes decoder). `./run test`
// installs them into target/valkey-node (they are not dependencies of the package);
// run alone without them, this file skips.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { KeyError, ReplyError, ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { freePort, now, startRedis } from './helpers.mjs';

const dir = fileURLToPath(new URL('../../target/valkey-node/', import.meta.url));
const installed = existsSync(`${dir}node_modules/iovalkey`) && existsSync(`${dir}node_modules/@valkey/valkey-glide`);
const require = createRequire(dir);

let port;
let server;
before(async () => {
  if (!installed) return;
  port = await freePort();
  server = await startRedis({ tcpPort: port });
});
after(async () => { await server?.stop(); });

const CLIENTS = {
  'iovalkey 0.4': async () => {
    const Valkey = require('iovalkey');
    const client = new Valkey({ path: server.socket });
    return { client, close: () => client.disconnect() };
  },
  'Valkey GLIDE 2.5': async () => {
    const glide = require('@valkey/valkey-glide');
    glide.Logger.init('off');
    const client = await glide.GlideClient.createClient({ addresses: [{ host: '127.0.0.1', port }] });
    return { client, close: () => client.close() };
  },
};

for (const [name, connect] of Object.entries(CLIENTS)) {
  describe(name, { skip: installed ? false : 'target/valkey-node not installed (./run test installs it)' }, () => {
    let conn;
    before(async () => { conn = await connect(); });
    after(async () => { await conn.close(); });

    test('the document, leases, waits and error replies', async () => {
      const key = `${name}:jobs`;
      const set = new SortedSet(conn.client, key);
      assert.equal(await set.add('b', 2), 2);
      assert.equal(await set.addMany(['a', 'c']), 2);
      assert.equal(await set.len(), 3);
      assert.equal(await set.peek(), 'a');
      assert.equal(await set.peekScore(), 0);
      assert.equal(await set.score('b'), 2);
      assert.equal(await set.pop(), 'a');
      assert.deepEqual(await set.take(5), ['c', 'b']);
      await assert.rejects(set.pop(), KeyError);
      await set.addMany(['x', 'y']);
      const leases = await set.claim(2, 30000);
      await set.ack(leases[0]);
      await set.retry(leases[1], { delay: 0 });
      const [again] = await set.claimWait(1, 30000, 2000);
      assert.deepEqual([again.item, again.deliveries], ['y', 2]);
      await set.ack(again);
      setTimeout(() => set.add('late'), 100);
      assert.equal(await set.popWait(3000), 'late');
      const sched = new ScheduledSet(conn.client, `${name}:retries`);
      await sched.add('due', now() - 1);
      await sched.add('later', now() + 3600);
      assert.equal(await sched.pop(), 'due');
      await assert.rejects(sched.pop(), KeyError);
      // An error reply keeps its code; a string key is WRONGTYPE.
      const wrong = new SortedSet(conn.client, `${name}:string`);
      await new SortedSet(conn.client, `${name}:string`).clear();
      await (conn.client.callBuffer ? conn.client.set(`${name}:string`, 'x') : conn.client.customCommand(['SET', `${name}:string`, 'x']));
      await assert.rejects(wrong.len(), (e) => e instanceof ReplyError && e.code === 'WRONGTYPE');
      assert.equal(await set.clear(), false);
    });
  });
}
