// Test support: an Upstash-compatible REST server in front of a real redis-server, as
// @upstash/redis speaks to it: POST / (one command), /pipeline and /multi-exec (an array
// of commands), `Authorization: Bearer <token>`, and `Upstash-Encoding: base64` (every
// bulk string base64, so replies are byte-exact). Errors: HTTP 400 `{ error }`.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Serves on a free loopback port; `url`, `token`, `requests` (a count), `forge`, `close()`. */
export async function startUpstashServer(redisOptions, token = 'test-token') {
  const Redis = require('ioredis');
  const redis = new Redis(redisOptions);
  redis.on('error', () => {}); // a failure is each request's error reply
  // `forge(body)`: the next single command is answered with `body`, not Redis's reply
  // (for what Redis does not send to redset's commands, like an integer beyond 2^53).
  const state = { requests: 0, forged: null };
  const server = createServer(async (req, res) => {
    state.requests++;
    const reply = (status, body) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST') return reply(405, { error: 'ERR POST only' });
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: 'Unauthorized' });
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return reply(400, { error: 'ERR the body is not JSON' });
    }
    const base64 = req.headers['upstash-encoding'] === 'base64';
    const encode = (value) => (Buffer.isBuffer(value) ? value.toString(base64 ? 'base64' : 'utf8')
      : Array.isArray(value) ? value.map(encode) : value);
    const run = (command) => redis.callBuffer(...command.map(String)).then((result) => ({ result: encode(result) }),
      (err) => ({ error: err.message }));
    if (req.url === '/' && state.forged !== null) {
      const forged = state.forged;
      state.forged = null;
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(forged);
    }
    if (req.url === '/') {
      const { result, error } = await run(body);
      return error === undefined ? reply(200, { result }) : reply(400, { error });
    }
    if (req.url === '/pipeline') return reply(200, await Promise.all(body.map(run)));
    if (req.url === '/multi-exec') {
      const transaction = redis.multi();
      for (const command of body) transaction.callBuffer(...command.map(String));
      const results = await transaction.exec().catch((err) => err);
      if (results instanceof Error) return reply(400, { error: results.message });
      return reply(200, results.map(([err, result]) => (err ? { error: err.message } : { result: encode(result) })));
    }
    return reply(404, { error: `ERR no such path ${req.url}` });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    token,
    get requests() { return state.requests; },
    forge(body) { state.forged = body; },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    },
  };
}
