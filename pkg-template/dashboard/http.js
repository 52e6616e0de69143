'use strict';
// HTTP plumbing of the Node host: typed request errors, JSON replies, request bodies
// (read here, or taken from a body parser that ran before), and the page's files.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** A request the API refuses: the status, a stable code, and a message for a person. */
class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

const MAX_BODY_BYTES = 1 << 20;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

function sendJSON(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

const sendError = (res, err) => sendJSON(res, err.status, { error: { code: err.code, message: err.message } });

/**
 * The request's JSON body: what a body parser (express.json(), Fastify's) already made
 * of it, else read from the stream, at most 1 MiB. No body is `{}`.
 */
async function readJSON(req) {
  if (req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body !== 'string') return req.body ?? {};
  let raw = req.body;
  if (raw === undefined) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', `the body is over ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    raw = Buffer.concat(chunks);
  }
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad-request', 'the body is not JSON');
  }
}

const PAGE_FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/api.js': ['api.js', 'text/javascript; charset=utf-8'],
  '/chart.js': ['chart.js', 'text/javascript; charset=utf-8'],
  '/render.js': ['render.js', 'text/javascript; charset=utf-8'],
};

/** The page's files, read once: path → { body, type }. */
function loadPage(dir = join(__dirname, 'page')) {
  return new Map(Object.entries(PAGE_FILES).map(([path, [file, type]]) => [path, { body: readFileSync(join(dir, file)), type }]));
}

function sendFile(res, { body, type }, head) {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(head ? undefined : body);
}

module.exports = { HttpError, sendJSON, sendError, readJSON, loadPage, sendFile };
