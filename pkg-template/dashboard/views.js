'use strict';
// The JSON shapes the dashboard's API gives of a set's items, leases, groups and dead letters
// (documented in the page's src/dashboard/api.js). Items are shown as text; a dead
// letter also carries its exact member as base64 (`id`), which is how the page names
// the letters it asks to requeue.

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Text for an item of any serializer: strings as they are, bytes decoded, the rest as JSON. */
function itemText(item, member) {
  if (item === null || item === undefined) {
    return member ? `(undecodable) ${utf8.decode(member)}` : '(undecodable)';
  }
  if (typeof item === 'string') return item;
  if (item instanceof Uint8Array) return utf8.decode(item);
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}

/** A score as JSON holds it: a number, or "+inf" / "-inf" (Redis allows both). */
function score(value) {
  if (Number.isFinite(value)) return value;
  return value > 0 ? '+inf' : '-inf';
}

const memberId = (member) => Buffer.from(member.buffer, member.byteOffset, member.byteLength).toString('base64');

const entry = ({ item, score: s }) => ({ item: itemText(item), score: score(s) });

const lease = ({ item, token, deliveries, score: s, deadline, timeLeft, member }) => ({
  item: itemText(item, member),
  token,
  deliveries,
  score: score(s),
  deadline,
  timeLeftMs: timeLeft,
});

const deadLetter = ({ item, reason, deliveries, time, score: s, member }) => ({
  id: memberId(member),
  item: itemText(item, member),
  reason,
  deliveries,
  time,
  score: score(s),
});

/**
 * Stats as the API gives them: ages and holds in ms under names that say so, the
 * server-side counters as they are, whether the set is paused.
 */
const stats = ({ waiting, due, inFlight, dead, oldestDueAge, counters, paused, heldFor }) =>
  ({ waiting, due, inFlight, dead, oldestDueAgeMs: oldestDueAge, counters: counters ?? null, paused, heldForMs: heldFor });

/** A group's figures ("" is the default group). */
const group = ({ group: name, waiting, inFlight, dead }) => ({ group: name, waiting, inFlight, dead });

module.exports = { entry, lease, deadLetter, stats, group, memberId };
