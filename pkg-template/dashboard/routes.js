'use strict';
// The JSON API, route by route (documented for both hosts in src/dashboard/api.js):
// reads of the sets' figures and contents, and the writes — requeue, purge, recover,
// pause, resume —
// each checked by the guard, logged, and answered with what it changed.
const { RedsetError } = require('../index.js');
const { HttpError, sendJSON, readJSON } = require('./http.js');
const { errorJSON } = require('./sampler.js');
const views = require('./views.js');

const SET_ROUTE = /^\/api\/sets\/([^/]+)\/([a-z-]+)$/;
// Detail reads of one set are shared by requests within this long, so that several
// open pages do not multiply the commands sent.
const READ_SHARE_MS = 1000;

class Routes {
  #registry;
  #sampler;
  #guard;
  #log;
  #shared = new Map();

  constructor({ registry, sampler, guard, log }) {
    this.#registry = registry;
    this.#sampler = sampler;
    this.#guard = guard;
    this.#log = log;
  }

  /** Answers an API request (`path` below the mount point); false if the path is no route. */
  async handle(req, res, path, query) {
    if (path === '/api/sets') return this.#reply(req, res, 'GET', () => this.#overview());
    if (path === '/api/session') return this.#reply(req, res, 'POST', () => this.#session(req));
    const match = SET_ROUTE.exec(path);
    if (!match) return false;
    const [, encoded, what] = match;
    const read = { items: this.#items, 'in-flight': this.#inFlight, dead: this.#dead, groups: this.#groups, history: this.#history }[what];
    const write = { requeue: this.#requeue, purge: this.#purge, recover: this.#recover, pause: this.#pause, resume: this.#resume }[what];
    if (!read && !write) return false;
    return this.#reply(req, res, read ? 'GET' : 'POST', async () => {
      const entry = this.#entry(encoded);
      if (read) return this.#sharedRead(`${entry.name}\0${what}\0${query}`, () => read.call(this, entry, query));
      this.#guard.checkWrite(req);
      const body = await readJSON(req);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new HttpError(400, 'bad-request', 'the body must be a JSON object');
      }
      this.#forget(entry.name);
      const result = await write.call(this, entry, body, req);
      this.#forget(entry.name);
      await this.#sampler.sampleSet(entry);
      return result;
    });
  }

  async #reply(req, res, method, answer) {
    const asked = req.method === 'HEAD' ? 'GET' : req.method;
    try {
      if (asked !== method) {
        res.setHeader('allow', method === 'GET' ? 'GET, HEAD' : method);
        throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed here; use ${method}`);
      }
      sendJSON(res, 200, await answer());
    } catch (err) {
      const refused = err instanceof HttpError ? err : failure(err);
      if (refused.status >= 500) this.#log(`redset dashboard: ${req.method} ${req.url} failed: ${err.message}`, { error: err });
      sendJSON(res, refused.status, { error: { code: refused.code, message: refused.message } });
    }
    return true;
  }

  #entry(encoded) {
    let name;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      throw new HttpError(400, 'bad-request', 'the set name is not valid percent-encoding');
    }
    const entry = this.#registry.get(name);
    if (!entry) throw new HttpError(404, 'not-found', `no set "${name}" on this dashboard`);
    return entry;
  }

  #sharedRead(key, read) {
    const now = Date.now();
    for (const [k, { at }] of this.#shared) if (now - at > READ_SHARE_MS) this.#shared.delete(k);
    let shared = this.#shared.get(key);
    if (!shared) {
      shared = { at: now, result: read() };
      shared.result.catch(() => this.#shared.delete(key));
      this.#shared.set(key, shared);
    }
    return shared.result;
  }

  #forget(name) {
    for (const key of this.#shared.keys()) if (key.startsWith(`${name}\0`)) this.#shared.delete(key);
  }

  async #overview() {
    await this.#sampler.ready();
    return {
      writes: this.#guard.mode,
      refreshMs: this.#sampler.refreshMs,
      now: Date.now(),
      sets: this.#registry.list().map(({ name, kind, guessed }) => {
        const sample = this.#sampler.latest(name);
        return {
          name, kind, kindGuessed: guessed,
          stats: sample?.reading?.stats ?? null,
          flow: sample?.flow ?? null,
          error: sample?.error ?? null,
          sampledAt: sample?.reading?.at ?? null,
        };
      }),
    };
  }

  #session(req) {
    this.#guard.checkWrite(req);
    return { writes: this.#guard.mode };
  }

  async #items({ set }, query) {
    const count = intParam(query, 'count', 20, 1, 1000);
    return { items: (await set.peekItems(0, count)).map(views.entry) };
  }

  async #inFlight({ set }, query) {
    const limit = intParam(query, 'limit', 100, 1, 1000);
    return { leases: (await set.inFlightItems(limit)).map(views.lease) };
  }

  /** Dead letters whose item or reason holds `q` (case-insensitive), oldest first, at most `limit`. */
  async #dead({ set }, query) {
    const limit = intParam(query, 'limit', 100, 1, 1000);
    const q = (query.get('q') ?? '').toLowerCase();
    const letters = (await set.deadLetters()).map(views.deadLetter);
    const matched = q === '' ? letters : letters.filter((l) => l.item.toLowerCase().includes(q) || l.reason.toLowerCase().includes(q));
    return { total: letters.length, matched: matched.length, letters: matched.slice(0, limit) };
  }

  /** A grouped set's figures per group, those with waiting items first (none for a set without groups). */
  async #groups({ set }, query) {
    const limit = intParam(query, 'limit', 100, 1, 1000);
    return { groups: (await set.groups(limit)).map(views.group) };
  }

  async #history({ name }) {
    await this.#sampler.ready();
    return this.#sampler.latest(name)?.history ?? null;
  }

  /** Requeues every dead letter (`{ all: true }`) or those named by id (`{ ids: [...] }`). */
  async #requeue({ name, set }, body, req) {
    const { all, ids } = body;
    if ((all === true) === (ids !== undefined)) {
      throw new HttpError(400, 'bad-request', 'give either "all": true or "ids": [...]');
    }
    if (ids !== undefined && !(Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string'))) {
      throw new HttpError(400, 'bad-request', '"ids" must be a non-empty array of dead-letter ids');
    }
    const letters = await set.deadLetters();
    const wanted = all === true ? null : new Set(ids);
    const chosen = wanted ? letters.filter((l) => wanted.has(views.memberId(l.member))) : letters;
    const requeued = chosen.length > 0 ? await set.requeueDead(chosen) : 0;
    // Asked for but not requeued: requeued or purged meanwhile by someone else.
    const notFound = (wanted ? wanted.size : chosen.length) - requeued;
    this.#changed(req, 'requeue', name, `requeued ${requeued} dead letter${plural(requeued)} of "${name}"` +
      (notFound > 0 ? ` (${notFound} no longer dead)` : ''), { requeued, notFound });
    return { requeued, notFound };
  }

  async #purge({ name, set }, _body, req) {
    const purged = await set.purgeDead();
    this.#changed(req, 'purge', name, `purged ${purged} dead letter${plural(purged)} of "${name}"`, { purged });
    return { purged };
  }

  async #recover(entry, _body, req) {
    const { name } = entry;
    const { requeued, dead } = await (await this.#registry.recovering(entry)).recover();
    this.#changed(req, 'recover', name,
      `recovered the expired leases of "${name}": ${requeued} requeued, ${dead} to the dead letters`, { requeued, dead });
    return { requeued, dead };
  }

  async #pause({ name, set }, _body, req) {
    const changed = !(await set.isPaused());
    await set.pause();
    this.#changed(req, 'pause', name, `paused "${name}"${changed ? '' : ' (it was paused already)'}`, { paused: true, changed });
    return { paused: true, changed };
  }

  async #resume({ name, set }, _body, req) {
    const changed = await set.isPaused();
    await set.resume();
    this.#changed(req, 'resume', name, `resumed "${name}"${changed ? '' : ' (it was not paused)'}`, { paused: false, changed });
    return { paused: false, changed };
  }

  #changed(req, action, set, message, result) {
    this.#log(`redset dashboard: ${message}`, { action, set, ...result, remote: req.socket?.remoteAddress ?? null });
  }
}

const plural = (n) => (n === 1 ? '' : 's');

/** An integer query parameter within [min, max], `fallback` if absent. */
function intParam(query, name, fallback, min, max) {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, 'bad-request', `"${name}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A failed operation as the API reports it: Redis's (or the client's) errors are 502. */
function failure(err) {
  const { code, message } = errorJSON(err);
  if (err instanceof RedsetError) return new HttpError(502, 'redis', `${code}: ${message}`);
  return new HttpError(500, 'internal', message);
}

module.exports = { Routes };
