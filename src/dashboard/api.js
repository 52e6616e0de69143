// The dashboard's JSON API, as every host serves it (the Node host in the npm package's
// redset/dashboard, the Rust host of the `redset` binary), and the page's client of it.
// Paths are relative to where the page is served (always a path ending in "/").
//
// Reads (GET; open to whoever reaches the host — guard it as the page itself):
//
//   api/sets                      the sets and their latest figures, read by the host
//                                 once per refresh whatever the number of pages open:
//     { writes: "off" | "token" | "app", refreshMs, now,
//       sets: [{ name, kind: "sorted" | "time" | "scheduled", kindGuessed,
//                stats: { waiting, due, inFlight, dead, oldestDueAgeMs,
//                         counters: { added, claimed, acked, retried, released, dead,
//                                     recovered, requeued } | null,
//                         paused, heldForMs } | null,
//                flow: { inPerSec, outPerSec } | null,
//                error: { code, message } | null, sampledAt }] }
//     kindGuessed: the host was given a name only and read the kind off the scores;
//     stats null: not read yet; error: the last read failed (stats are the last good);
//     counters: the server-side totals of a set that counts (option `metrics`), else
//     null; flow: from them, items per second into the set (added, or back from a
//     lease or the dead letters) and out of it (claimed) over the last refresh or so.
//     paused: no consumer is handed an item until a resume; heldForMs: how long a
//     handler's rate limit (rateLimited) still holds the set, or null.
//   api/sets/{set}/items?count=20        the next eligible items, not removed:
//     { items: [{ item, score }] }
//   api/sets/{set}/in-flight?limit=100   leases, earliest deadline first:
//     { leases: [{ item, token, deliveries, score, deadline, timeLeftMs }] }
//     token null: a retry waiting out its delay; deadline in ms since the epoch.
//   api/sets/{set}/dead?q=&limit=100     dead letters, oldest first, whose item or
//                                        reason holds q (any case):
//     { total, matched, letters: [{ id, item, reason, deliveries, time, score }] }
//     id: the stored member, base64; time: when it died, ms since the epoch.
//   api/sets/{set}/groups?limit=100      a grouped set's figures per group, those with
//                                        waiting items first (none for other sets):
//     { groups: [{ group, waiting, inFlight, dead }] }   group "": the default group.
//   api/sets/{set}/history               the figures over the last hour, kept by the
//                                        host while it runs, a point per step:
//     { stepMs, spanMs, t: [ms…], series: [{ name, unit, values: [number | null…] }] }
//     The depths (waiting, due, inFlight, dead; unit "items") and, for a set that
//     counts, in and out between points (unit "items/s"; null where it did not count).
//     A page charts every series it is given, one chart per unit.
//
// Writes (POST, only when the host allows them — `writes` above — and only with the
// header X-Redset-Token: the host's token, or any value where the application
// authenticates; a browser's Origin must be the host's own). Body: a JSON object.
//
//   api/session                  checks the token, changes nothing: { writes }
//   api/sets/{set}/requeue       { all: true } or { ids: [id…] }: dead letters back
//                                into the set: { requeued, notFound }
//   api/sets/{set}/purge         every dead letter deleted: { purged }
//   api/sets/{set}/recover       expired leases back to the set, or dead after the
//                                maximum deliveries the set's consumers claim with:
//                                { requeued, dead }
//   api/sets/{set}/pause         no consumer is handed an item until a resume:
//                                { paused: true, changed } (changed: it was not paused)
//   api/sets/{set}/resume        its consumers are handed items again:
//                                { paused: false, changed } (changed: it was paused)
//
// {set} is the set's name, percent-encoded (encodeURIComponent). Scores are numbers, or
// "+inf" / "-inf". A refusal or failure is { error: { code, message } } with status 400
// bad-request, 401 unauthorized, 403 read-only | forbidden-origin, 404 not-found, 405
// method-not-allowed, 413 too-large, 502 redis (Redis or the connection failed), 500
// internal.

const TOKEN_HEADER = 'X-Redset-Token';

/** A refusal or failure the API answered with, or a request that got no answer. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** The write token, kept for this tab only (sessionStorage), never in a URL. */
  token = sessionStorage.getItem('redset-token');

  setToken(token) {
    this.token = token;
    if (token === null) sessionStorage.removeItem('redset-token');
    else sessionStorage.setItem('redset-token', token);
  }

  sets() {
    return this.#get('api/sets');
  }

  items(set, count) {
    return this.#get(`${setPath(set)}/items?count=${count}`);
  }

  inFlight(set, limit) {
    return this.#get(`${setPath(set)}/in-flight?limit=${limit}`);
  }

  dead(set, q, limit) {
    return this.#get(`${setPath(set)}/dead?${new URLSearchParams({ q, limit })}`);
  }

  groups(set, limit) {
    return this.#get(`${setPath(set)}/groups?limit=${limit}`);
  }

  history(set) {
    return this.#get(`${setPath(set)}/history`);
  }

  /** Checks a token with the host before keeping it. */
  session(token) {
    return this.#post('api/session', {}, token);
  }

  requeue(set, choice) {
    return this.#post(`${setPath(set)}/requeue`, choice);
  }

  purge(set) {
    return this.#post(`${setPath(set)}/purge`, {});
  }

  recover(set) {
    return this.#post(`${setPath(set)}/recover`, {});
  }

  pause(set) {
    return this.#post(`${setPath(set)}/pause`, {});
  }

  resume(set) {
    return this.#post(`${setPath(set)}/resume`, {});
  }

  #get(path) {
    return this.#send(path, { headers: { accept: 'application/json' } });
  }

  #post(path, body, token = this.token) {
    return this.#send(path, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', [TOKEN_HEADER]: token ?? '' },
      body: JSON.stringify(body),
    });
  }

  async #send(path, init) {
    let res;
    try {
      res = await fetch(path, { ...init, cache: 'no-store', credentials: 'same-origin' });
    } catch (err) {
      throw new ApiError(0, 'unreachable', `the dashboard's host did not answer (${err.message})`);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      throw new ApiError(res.status, body?.error?.code ?? 'http', body?.error?.message ?? `HTTP ${res.status}`);
    }
    return body;
  }
}

const setPath = (set) => `api/sets/${encodeURIComponent(set)}`;
