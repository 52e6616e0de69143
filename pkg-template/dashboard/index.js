'use strict';
// redset/dashboard: the web dashboard's Node host. `dashboard(options)` is a request
// handler — for node:http, Express or Connect (`app.use('/redset', handler)`), Fastify
// through @fastify/middie — that serves the page and its JSON API over the
// application's own Redis client. The same page and API are served by the Rust host.
const { Registry } = require('./registry.js');
const { Sampler } = require('./sampler.js');
const { Guard } = require('./guard.js');
const { Routes } = require('./routes.js');
const { HttpError, sendError, loadPage, sendFile } = require('./http.js');

/**
 * Options: `client` (ioredis, node-redis or `execute(args)`); `sets` (set objects,
 * names, or `{ name, kind }`); `discover` (also show the sets found by their companion
 * keys); `token` (writes allowed with it) or `authenticated: true` (the application's
 * own middleware authenticates; writes allowed); `origins` (other origins allowed to
 * write, e.g. behind a proxy); `prefix` (the path it is served under, for node:http;
 * Express and Connect strip their mount path themselves); `refreshMs` (how often each
 * set's stats are read, default 2000); `discoverMs` (30000); `historyStepMs` (10000)
 * and `historyMs` (3600000): the chart's resolution and span; `logger(message,
 * details)` for every change and failure (default console.info).
 */
function dashboard(options = {}) {
  const {
    client, sets = [], discover = false, token, authenticated = false, origins = [], prefix = '',
    refreshMs = 2000, discoverMs = 30000, historyStepMs = 10000, historyMs = 3600000,
    logger = (message, details) => console.info(message, details),
  } = options;
  if (client == null || (typeof client !== 'object' && typeof client !== 'function')) {
    throw new TypeError('client: an ioredis or node-redis client, or an execute(args) function');
  }
  if (!Array.isArray(sets)) throw new TypeError('sets must be an array');
  if (sets.length === 0 && discover !== true) throw new TypeError('give the sets to show, or discover: true');
  if (typeof prefix !== 'string' || (prefix !== '' && (!prefix.startsWith('/') || prefix.startsWith('//') || prefix.endsWith('/')))) {
    throw new TypeError('prefix must be a path such as "/redset" (no trailing slash), or ""');
  }
  for (const [name, value] of Object.entries({ refreshMs, discoverMs, historyStepMs, historyMs })) {
    if (!(Number.isFinite(value) && value >= 100)) throw new RangeError(`${name} must be a number of ms >= 100`);
  }
  if (typeof logger !== 'function') throw new TypeError('logger must be a function');

  const registry = new Registry(client, sets, { discover: discover === true });
  const sampler = new Sampler(registry, {
    refreshMs, discoverMs, historyStepMs, historyMs,
    onError: (what, err) => logger(`redset dashboard: ${what}: ${err.message}`, { error: err }),
  });
  const guard = new Guard({ token, authenticated, origins });
  const routes = new Routes({ registry, sampler, guard, log: logger });
  const page = loadPage();
  sampler.start();

  async function serve(req, res, next) {
    const url = new URL(`http://host${req.url}`);
    let path = url.pathname;
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return next ? next() : sendError(res, notFound(path));
      path = path.slice(prefix.length);
    }
    // The page links to its files and API relatively: it must be served from a path
    // ending in "/". Express and Connect keep the path asked for in originalUrl.
    const asked = new URL(`http://host${req.originalUrl ?? req.url}`).pathname;
    if ((path === '' || path === '/') && !asked.endsWith('/')) {
      res.writeHead(308, { location: `${asked}/${url.search}` });
      return res.end();
    }
    if (path.startsWith('/api/')) {
      if (!(await routes.handle(req, res, path, url.searchParams))) sendError(res, notFound(path));
      return;
    }
    const file = page.get(path);
    if (!file) return sendError(res, notFound(path));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendError(res, new HttpError(405, 'method-not-allowed', `${req.method} is not allowed here; use GET`));
    }
    sendFile(res, file, req.method === 'HEAD');
  }

  const handler = (req, res, next) => {
    serve(req, res, next).catch((err) => {
      logger(`redset dashboard: ${req.method} ${req.url} failed: ${err.message}`, { error: err });
      if (!res.headersSent) sendError(res, new HttpError(500, 'internal', err.message));
      else res.destroy(err);
    });
  };
  /** Stops reading the sets' stats (the timer does not hold the process open anyway). */
  handler.close = () => sampler.close();
  return handler;
}

const notFound = (path) => new HttpError(404, 'not-found', `nothing at ${path}`);

module.exports = { dashboard };
