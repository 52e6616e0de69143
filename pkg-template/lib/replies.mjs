// Replies in: a client's reply handed to the core by the cheapest path for its shape,
// every read of the client's value done here, before wasm sees it.

import { ProtocolError, describe } from './errors.mjs';

/**
 * Hands `reply` to operation `id` of `core` and gives the next step: numbers, arrays of
 * numbers and Buffers without type probing; an array of Buffers, or of equal rows of Buffers (RESP3
 * pairs), as one concatenation with the length of each; anything else as a plain copy.
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
 * `[member, score]`, RESP3's `[[member, score]]`, a peek's `[member]`) go as they are,
 * without joining them first.
 */
export function decodePrepared(core, which, arg, reply) {
  let shaped;
  try {
    shaped = pairShape(reply) ?? shape(reply);
  } catch (err) {
    throw new ProtocolError(`unreadable reply: ${describe(err)}`, { cause: err });
  }
  switch (shaped.how) {
    case 'pair': return core.preparedPair(which, arg, shaped.first, shaped.second, shaped.shape);
    case 'number': return core.preparedNumber(which, arg, reply);
    case 'bytes': case 'numbers': return core.preparedReply(which, arg, reply);
    case 'bulks': return core.preparedBulks(which, arg, shaped.bytes, shaped.lengths, shaped.width);
    default: return core.preparedReply(which, arg, shaped.value);
  }
}

const NONE = new Uint8Array(0);

/** `[a]`, `[a, b]` or `[[a, b]]` of Buffers as a pair step (see decodePrepared), else null. */
function pairShape(reply) {
  if (!Array.isArray(reply)) return null;
  if (reply.length === 1 && isBytes(reply[0])) return { how: 'pair', first: reply[0], second: NONE, shape: 0 };
  if (reply.length === 2 && isBytes(reply[0]) && isBytes(reply[1])) {
    return { how: 'pair', first: reply[0], second: reply[1], shape: 1 };
  }
  if (reply.length === 1 && Array.isArray(reply[0]) && reply[0].length === 2 && isBytes(reply[0][0]) &&
    isBytes(reply[0][1])) {
    return { how: 'pair', first: reply[0][0], second: reply[0][1], shape: 2 };
  }
  return null;
}

// Plain Uint8Arrays only: ArrayBuffer.isView is false for a Proxy, whose reads throw.
const isBytes = (value) => value instanceof Uint8Array && ArrayBuffer.isView(value);

const NUMBER = Object.freeze({ how: 'number' });
const BYTES = Object.freeze({ how: 'bytes' });

/** How to hand `reply` over (see feed); throws whatever reading it throws. */
function shape(reply) {
  if (typeof reply === 'number') return NUMBER;
  if (isBytes(reply)) return BYTES;
  if (!Array.isArray(reply) || reply.length === 0) return { how: 'value', value: plain(reply, 0) };
  if (typeof reply[0] === 'number') return numbers(reply);
  const width = Array.isArray(reply[0]) ? reply[0].length : 1;
  const parts = width === 1 ? reply : [];
  for (let i = 0; i < reply.length; i++) {
    const row = reply[i];
    if (width === 1) {
      if (!isBytes(row)) return { how: 'value', value: plain(reply, 0) };
    } else {
      if (!Array.isArray(row) || row.length !== width) return { how: 'value', value: plain(reply, 0) };
      for (let j = 0; j < width; j++) {
        if (!isBytes(row[j])) return { how: 'value', value: plain(reply, 0) };
        parts.push(row[j]);
      }
    }
  }
  const lengths = new Uint32Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    lengths[i] = parts[i].length;
    total += parts[i].length;
  }
  return { how: 'bulks', bytes: concat(parts, total), lengths, width };
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

// Node's Buffer.concat takes small results from its pool; elsewhere, one copy each.
const concat = typeof Buffer === 'function'
  ? (parts, total) => Buffer.concat(parts, total)
  : (parts, total) => {
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

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
