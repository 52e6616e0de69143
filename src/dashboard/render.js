// Building and updating the page's elements. Everything shown of an item goes in as
// text (textContent), never as markup. Lists are updated in place, row by row, so that
// a refresh does not take the keyboard focus or a selection away.

/** An element with attributes (`class`, `data-*`, aria-*, properties like `checked`) and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key in node && !key.includes('-') && key !== 'class') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** "850 ms", "12 s", "4 min 12 s", "3 h 5 min", "2 d 4 h". */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const time = (ms) => new Date(ms).toLocaleString();

export const count = (n) => (n === null || n === undefined ? '—' : n.toLocaleString());

/** A score: a UNIX time as a date where the set is time-ordered, else the number. */
export function score(value, kind) {
  if (typeof value === 'string') return value;
  if (kind !== 'sorted' && value > 1e9) return time(value * 1000);
  return String(value);
}

const perSecond = (n) => (n === null || n === undefined ? '—' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })}/s`);

/** Whether the set hands items out: "Running", "Paused", "Held 12 s" (a handler's rate limit). */
export function state(stats) {
  if (!stats) return null;
  const held = stats.heldForMs ? duration(stats.heldForMs) : null;
  if (stats.paused) return held ? `Paused, held ${held}` : 'Paused';
  return held ? `Held ${held}` : 'Running';
}

// [field, label, format, of a set that counts only]
const FIGURES = [
  ['state', 'State', (text) => text],
  ['waiting', 'Waiting', count],
  ['due', 'Due', count],
  ['inFlight', 'In flight', count],
  ['dead', 'Dead', count],
  ['oldestDueAgeMs', 'Oldest due', duration],
  ['inPerSec', 'In', perSecond, true],
  ['outPerSec', 'Out', perSecond, true],
];

/**
 * Fills a <dl> with a set's figures, each <dd> marked data-field for its name; the
 * items in and out per second (`flow`) only for a set that counts them.
 */
export function figures(dl, stats, flow) {
  if (dl.children.length === 0) {
    for (const [field, label] of FIGURES) dl.append(el('div', {}, el('dt', {}, label), el('dd', { 'data-field': field })));
  }
  const values = { ...stats, ...flow, state: state(stats) };
  for (const [field, , format, counted] of FIGURES) {
    const dd = dl.querySelector(`[data-field="${field}"]`);
    dd.textContent = stats ? format(values[field]) : '—';
    if (counted) dd.parentElement.hidden = !stats?.counters;
  }
  dl.querySelector('[data-field="state"]').classList.toggle('stopped', values.state !== null && values.state !== 'Running');
}

/**
 * Makes `tbody` show `rows` in order, one <tr> per key: rows already there are kept and
 * refilled by `fill(tr, row, isNew)`, the others made or removed.
 */
export function syncRows(tbody, rows, keyOf, fill) {
  const existing = new Map([...tbody.rows].map((tr) => [tr.dataset.key, tr]));
  let before = tbody.firstElementChild;
  for (const row of rows) {
    const key = keyOf(row);
    let tr = existing.get(key);
    const isNew = !tr;
    if (isNew) tr = el('tr', { 'data-key': key });
    existing.delete(key);
    fill(tr, row, isNew);
    if (tr !== before) tbody.insertBefore(tr, before);
    else before = before.nextElementSibling;
  }
  for (const tr of existing.values()) tr.remove();
}

/** Sets the text of a row's cells from the `from`th on, made on first use with the given attributes. */
export function cells(tr, values, attributes = [], from = 0) {
  values.forEach((value, i) => {
    const td = tr.cells[from + i] ?? tr.appendChild(el('td', attributes[i] ?? {}));
    if (td.textContent !== value) td.textContent = value;
  });
}
