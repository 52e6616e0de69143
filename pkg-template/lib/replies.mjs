// Replies in: a client's reply handed to the core by the cheapest path for its shape,
// every read of the client's value done here, before wasm sees it.

import { ProtocolError, describe } from './errors.mjs';
import { PREPARED } from './operations.mjs';

/**
 * Hands `reply` to operation `id` of `core` and gives the next step: numbers, arrays of
 * numbers and Buffers without type probing; an array of bulk strings (Buffers, or strings
 * as their UTF-8), or of equal rows of them (RESP3 pairs), as one run of bytes with the
 * length of each; anything else as a plain copy.
 * A value that throws when read (a Proxy, a getter) is a ProtocolError, and the core
 * only ever gets plain values.
 */
export function feed(core, id, reply) {
  let shaped;
  try {
    shaped = shape(reply);
  } catch (err) {
    throw new ProtocolError(`unreadable reply: ${describe(err)}`, { cause: err });
  }
  switch (shaped.how) {
    case 'number': return core.feedNumber(id, reply);
    case 'bytes': return core.feedBytes(id, reply);
    case 'numbers': return core.feedNumbers(id, shaped.values);
    case 'bulks': return core.feedBulks(id, shaped.bytes, shaped.lengths, shaped.width);
    default: return core.feed(id, shaped.value);
  }
}

/**
 * Hands `reply` to prepared operation `which` (with its argument `arg`) of `core` and
 * gives its result, by the same paths as feed; besides, one or two Buffers (a pop's
 * `[member, score]`, RESP3's `[[member, score]]`, a peek's `[member]`, a score alone) go
 * as they are, without joining them first, and RESP3's `[member, score]` rows with the
 * scores as numbers (a client asked for them so, see the driver's runPrepared) as the
 * members in one run of bytes and the scores beside them.
 */
export function decodePrepared(core, which, arg, reply) {
  let shaped;
  try {
    shaped = pairShape(reply) ?? shape(reply, true);
  } catch (err) {
    throw new ProtocolError(`unreadable reply: ${describe(err)}`, { cause: err });
  }
  let output;
  switch (shaped.how) {
    case 'pair':
      output = core.preparedPair(which, arg, shaped.first, shaped.second, shaped.shape, AS_TEXT);
      // A strings set's pop whose item is the first bulk string as text (the core checked).
      if (output === AS_TEXT) output = text(shaped.first);
      break;
    case 'number': output = core.preparedNumber(which, arg, reply); break;
    case 'bytes': case 'numbers': output = core.preparedReply(which, arg, reply); break;
    case 'bulks': output = core.preparedBulks(which, arg, shaped.bytes, shaped.lengths, shaped.width, shaped.scores); break;
    default: output = core.preparedReply(which, arg, shaped.value);
  }
  return which === PREPARED.take && typeof output === 'string' ? cut(output, core.itemEnds()) : output;
}

/**
 * Whether a prepared add whose ZADD and check gave `replies` is done (see the driver's
 * runAdd): two numbers go as they are, anything else as a plain copy, read here.
 */
export function decodeAdded(core, replies) {
  const [added, waiting] = replies;
  if (typeof added === 'number' && typeof waiting === 'number') return core.preparedAdded(added, waiting);
  let value;
  try {
    value = plain(replies, 0);
  } catch (err) {
    throw new ProtocolError(`unreadable reply: ${describe(err)}`, { cause: err });
  }
  return core.preparedAddedReply(value);
}

/**
 * A strings set's take, which the core gives as one string: its items, cut where the
 * core says each ends (UTF-16 offsets). `ends` is a view of wasm memory, read here before
 * anything calls into wasm again.
 */
function cut(text, ends) {
  const items = new Array(ends.length);
  let at = 0;
  for (let i = 0; i < ends.length; i++) {
    items[i] = text.slice(at, ends[i]);
    at = ends[i];
  }
  return items;
}

const NONE = new Uint8Array(0);
const NO_SCORES = new Float64Array(0);

/**
 * `[a]`, `[a, b]`, `[[a, b]]` or `a` alone (a score) of bulk strings as a pair step (see
 * decodePrepared), else null.
 */
function pairShape(reply) {
  if (isBytes(reply)) return { how: 'pair', first: reply, second: NONE, shape: 3 };
  if (!Array.isArray(reply)) return null;
  if (reply.length === 1 && isBytes(reply[0])) return { how: 'pair', first: reply[0], second: NONE, shape: 0 };
  if (reply.length === 2 && isBytes(reply[0])) {
    const second = asBytes(reply[1]);
    return second === null ? null : { how: 'pair', first: reply[0], second, shape: 1 };
  }
  if (reply.length === 1 && Array.isArray(reply[0]) && reply[0].length === 2 && isBytes(reply[0][0])) {
    const second = asBytes(reply[0][1]);
    return second === null ? null : { how: 'pair', first: reply[0][0], second, shape: 2 };
  }
  return null;
}

// Plain Uint8Arrays only: ArrayBuffer.isView is false for a Proxy, whose reads throw.
const isBytes = (value) => value instanceof Uint8Array && ArrayBuffer.isView(value);

// A string in a reply is a bulk string of its UTF-8 bytes, as the core reads any string
// (node-redis gives a RESP3 double, ZPOPMIN's score, as its text).
const utf8 = typeof Buffer === 'function' ? (text) => Buffer.from(text) : (text) => ENCODER.encode(text);
const ENCODER = new TextEncoder();

/** What a prepared pop gives for "the item is the first bulk string, as text": no item is this. */
const AS_TEXT = Symbol('redset: the first bulk string as text');

/** UTF-8 bytes as a string: a Buffer's own toString, else a TextDecoder. */
const text = typeof Buffer === 'function'
  ? (bytes) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString()
  : (bytes) => DECODER.decode(bytes);
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A bulk string's bytes (a Uint8Array as it is, a string as its UTF-8; a number, a score
 * a client decoded, as the text of the same number), else null.
 */
const asBytes = (value) => (isBytes(value)
  ? value
  : typeof value === 'string'
    ? utf8(value)
    : typeof value === 'number' ? utf8(String(value)) : null);

const NUMBER = Object.freeze({ how: 'number' });
const BYTES = Object.freeze({ how: 'bytes' });

/**
 * How to hand `reply` over (see feed); throws whatever reading it throws. An array of
 * bulk strings is written, in one pass, into scratch space that the binding's call
 * copies into wasm at once, with the length of each: no array of parts, joined Buffer
 * or Uint32Array is made per reply (their garbage was a fifth of a take(100) drain's
 * CPU, issue 20), and each element is read once (a Proxy cannot answer twice).
 * `scored`: rows of a bulk string and a number (RESP3's `[member, score]` with the
 * score decoded) go as the strings with the numbers beside them (`scores`), in scratch
 * space of their own.
 */
function shape(reply, scored = false) {
  if (typeof reply === 'number') return NUMBER;
  if (isBytes(reply)) return BYTES;
  if (!Array.isArray(reply) || reply.length === 0) return { how: 'value', value: plain(reply, 0) };
  if (typeof reply[0] === 'number') return numbers(reply);
  const width = Array.isArray(reply[0]) ? reply[0].length : 1;
  const scores = scored && width === 2 && typeof reply[0][1] === 'number' ? scratch('scores', reply.length) : null;
  const count = scores === null ? reply.length * width : reply.length;
  const lengths = scratch('lengths', count);
  let bytes = keptBytes;
  let at = 0;
  for (let i = 0, k = 0; i < reply.length; i++) {
    const row = reply[i];
    if (width !== 1 && (!Array.isArray(row) || row.length !== width)) return { how: 'value', value: plain(reply, 0) };
    for (let j = 0; j < width; j++) {
      const value = width === 1 ? row : row[j];
      if (scores !== null && j === 1) {
        if (typeof value !== 'number') return { how: 'value', value: plain(reply, 0) };
        scores[i] = value;
        continue;
      }
      let length;
      if (typeof value === 'string') {
        const room = roomFor(value);
        if (at + room > bytes.length) bytes = grown(bytes, at, room);
        length = putText(bytes, at, value);
      } else if (isBytes(value)) {
        length = value.length;
        if (at + length > bytes.length) bytes = grown(bytes, at, length);
        if (length > SHORT) bytes.set(value, at);
        else for (let b = 0; b < length; b++) bytes[at + b] = value[b];
      } else return { how: 'value', value: plain(reply, 0) };
      lengths[k++] = length;
      at += length;
    }
  }
  if (bytes.length <= SCRATCH_KEPT) keptBytes = bytes;
  return {
    how: 'bulks',
    bytes: bytes.subarray(0, at),
    lengths: lengths.subarray(0, count),
    width: scores === null ? width : 1,
    scores: scores === null ? NO_SCORES : scores.subarray(0, count),
  };
}

// Scratch space kept for replies up to this many bytes; a larger reply gets its own.
const SCRATCH_KEPT = 1 << 16;
let keptBytes = newBytes(4096);
// The lengths of a reply's bulk strings, and the scores of its scored rows.
const kept = { lengths: new Uint32Array(256), scores: new Float64Array(128) };

/** Scratch space of `count` elements of the typed array kept as `name`. */
function scratch(name, count) {
  const held = kept[name];
  if (count <= held.length) return held;
  const made = new held.constructor(count);
  if (made.byteLength <= SCRATCH_KEPT) kept[name] = made;
  return made;
}

/** Scratch space of at least `used + more` bytes with the first `used` of `bytes` in it. */
function grown(bytes, used, more) {
  const out = newBytes(Math.max(2 * bytes.length, used + more));
  out.set(bytes.subarray(0, used));
  return out;
}

// A Buffer outside Node's pool where there is one (for its utf8 write), else a Uint8Array.
function newBytes(size) {
  return typeof Buffer === 'function' ? Buffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

// Strings and byte arrays up to this long are copied by hand: cheaper than the engine's
// calls (set, write) for a member or a score.
const SHORT = 32;

/**
 * Room enough for `text` as UTF-8: for a short string its most (3 bytes a UTF-16 unit;
 * a pair's 4 bytes are 2 units), for a longer one its length, so that a large member
 * does not take three times its size.
 */
function roomFor(text) {
  if (text.length <= SHORT) return 3 * text.length;
  return typeof Buffer === 'function' ? Buffer.byteLength(text) : utf8Length(text);
}

/** The UTF-8 length of `text` as TextEncoder writes it (a lone surrogate as U+FFFD). */
function utf8Length(text) {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/**
 * Writes `text` as UTF-8 into `bytes` at `at` (room made for it) and gives how many
 * bytes that took: a short ASCII string unit by unit, anything else by the engine (a
 * lone surrogate as U+FFFD, as TextEncoder writes it).
 */
function putText(bytes, at, text) {
  const length = text.length;
  if (length <= SHORT) {
    let i = 0;
    for (; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      bytes[at + i] = unit;
    }
    if (i === length) return length;
  }
  return typeof bytes.write === 'function'
    ? bytes.write(text, at)
    : ENCODER.encodeInto(text, bytes.subarray(at)).written;
}

/** An array of numbers in one piece (a pipeline's integer replies), else as a value. */
function numbers(reply) {
  const values = new Float64Array(reply.length);
  for (let i = 0; i < reply.length; i++) {
    if (typeof reply[i] !== 'number') return { how: 'value', value: plain(reply, 0) };
    values[i] = reply[i];
  }
  return { how: 'numbers', values };
}

/**
 * A reply as the core reads it, made of plain values only: strings, numbers, booleans,
 * bigints, null, Uint8Arrays, arrays, Maps and reply Errors (with a string message).
 * Anything else becomes an empty object, which the core refuses as a protocol error.
 */
function plain(value, depth) {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': case 'bigint': return value;
    case 'object': break;
    default: return {};
  }
  if (depth > 64) throw new RangeError('a reply nested more than 64 deep');
  if (isBytes(value)) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < out.length; i++) out[i] = plain(value[i], depth + 1);
    return out;
  }
  if (value instanceof Error) {
    const { message } = value;
    const out = new Error(typeof message === 'string' ? message : 'ERR an error reply without a readable message');
    out.name = 'ReplyError';
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(plain(k, depth + 1), plain(v, depth + 1));
    return out;
  }
  return {};
}
