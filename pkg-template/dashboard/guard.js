'use strict';
// Who may change data. Read-only unless the host was given a token (or told that the
// application authenticates its requests itself). Every write is a POST that carries
// the header X-Redset-Token — the token, or with `authenticated` any value — which a
// page of another origin cannot send without a CORS preflight this host never grants;
// and a browser's Origin (or Sec-Fetch-Site) must be this host's own, or one allowed.
const { createHash, timingSafeEqual } = require('node:crypto');
const { HttpError } = require('./http.js');

const TOKEN_HEADER = 'x-redset-token';
const MIN_TOKEN_LENGTH = 16;

const digest = (text) => createHash('sha256').update(text).digest();

class Guard {
  #token;
  #origins;
  /** 'token', 'app' (the application authenticates) or 'off' (read-only). */
  mode;

  constructor({ token, authenticated, origins }) {
    if (token != null) {
      if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
        throw new RangeError(`token must be a string of at least ${MIN_TOKEN_LENGTH} characters (e.g. crypto.randomBytes(24).toString('base64url'))`);
      }
      this.#token = digest(token);
    }
    if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string')) {
      throw new TypeError('origins must be an array of origins such as "https://ops.example.com"');
    }
    this.#origins = new Set(origins.map((o) => new URL(o).origin));
    this.mode = token != null ? 'token' : authenticated === true ? 'app' : 'off';
  }

  /** Throws the HttpError that refuses a write, or returns if it may go ahead. */
  checkWrite(req) {
    if (this.mode === 'off') {
      throw new HttpError(403, 'read-only', 'this dashboard is read-only: start it with a token to allow changes');
    }
    this.#checkOrigin(req);
    const given = req.headers[TOKEN_HEADER];
    if (typeof given !== 'string' || given === '') {
      throw new HttpError(401, 'unauthorized', `a change needs the ${TOKEN_HEADER} header`);
    }
    if (this.mode === 'token' && !timingSafeEqual(digest(given), this.#token)) {
      throw new HttpError(401, 'unauthorized', 'the token is wrong');
    }
  }

  #checkOrigin(req) {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (this.#origins.has(origin) || sameHost(origin, req.headers.host)) return;
      throw new HttpError(403, 'forbidden-origin', `requests from ${origin} may not change data here`);
    }
    // No Origin: not a browser's cross-site request, unless its fetch metadata says so.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'forbidden-origin', `a ${site} request may not change data here`);
    }
  }
}

function sameHost(origin, host) {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

module.exports = { Guard, TOKEN_HEADER };
