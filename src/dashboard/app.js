// The dashboard page: polls its host's API (api.js) once per refresh, shows every set's
// figures (whether it is paused too) and chart, and one set's next items, leases,
// groups and dead letters (the URL's fragment #set=NAME says which). Changes —
// requeue, purge, recover, pause, resume — are offered only when the host allows them;
// purges, bulk requeues, pauses and resumes after a confirmation; and each result is
// announced in the status line.
import { Api, ApiError } from './api.js';
import { lineChart } from './chart.js';
import { el, duration, time, count, score, figures, syncRows, cells } from './render.js';

const api = new Api();
const $ = (id) => document.getElementById(id);

const KINDS = { sorted: 'sorted set', time: 'time-ordered set', scheduled: 'scheduled set' };
const DETAIL_ROWS = 100;
const NEXT_ITEMS = 20;
const SEARCH_DELAY_MS = 300;

const state = {
  writes: 'off',
  refreshMs: 2000,
  /** name → the set's latest summary from api/sets */
  sets: new Map(),
  /** the set shown in detail, or null for the overview */
  selected: null,
  /** ids of the dead letters ticked in the detail view */
  picked: new Set(),
  /** ids of the dead letters listed now */
  shownDead: [],
  deadMatched: 0,
  history: new Map(),
  historyAt: -Infinity,
  historyStepMs: 10000,
};

// --- status line -------------------------------------------------------------------

function announce(message, kind = 'info') {
  const status = $('status');
  status.className = `status ${kind}`;
  status.textContent = message;
}

function refused(err, what) {
  if (err instanceof ApiError && err.status === 401 && state.writes === 'token') {
    api.setToken(null);
    renderMode();
  }
  const detail = err instanceof ApiError ? err.message : String(err);
  announce(`${what} failed: ${detail}`, 'error');
}

// --- writes allowed or not ---------------------------------------------------------

const canWrite = () => state.writes === 'app' || (state.writes === 'token' && api.token !== null);

function renderMode() {
  const writable = canWrite();
  document.body.classList.toggle('readonly', !writable);
  $('unlock').hidden = !(state.writes === 'token' && !writable);
  $('lock').hidden = !(state.writes === 'token' && writable);
  $('mode').textContent = {
    off: 'Read-only',
    token: writable ? 'Changes allowed in this tab' : 'Read-only until the write token is given',
    app: 'Changes allowed',
  }[state.writes];
}

$('unlock').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('token');
  const token = input.value;
  input.value = '';
  try {
    await api.session(token);
    api.setToken(token);
    announce('Changes are allowed in this tab until it is closed or the token is forgotten.');
  } catch (err) {
    refused(err, 'Giving the token');
  }
  renderMode();
});

$('lock').addEventListener('click', () => {
  api.setToken(null);
  renderMode();
  announce('The token is forgotten: read-only.');
  $('token').focus();
});

// --- overview ----------------------------------------------------------------------

function setCard(name) {
  const link = el('a', { href: `#set=${encodeURIComponent(name)}` }, name);
  return el('li', { class: 'set', 'data-set': name },
    el('h3', {}, link, ' ', el('span', { class: 'kind' })),
    el('dl', { class: 'figures' }),
    el('div', { class: 'spark' }),
    el('p', { class: 'error', hidden: true }));
}

function renderOverview(overview) {
  const list = $('sets');
  const cards = new Map([...list.children].map((li) => [li.dataset.set, li]));
  for (const summary of overview.sets) {
    let card = cards.get(summary.name);
    if (!card) list.append((card = setCard(summary.name)));
    cards.delete(summary.name);
    card.querySelector('.kind').textContent = kindText(summary);
    figures(card.querySelector('dl'), summary.stats, summary.flow);
    const error = card.querySelector('.error');
    error.hidden = summary.error === null;
    error.textContent = summary.error ? `The last read failed: ${summary.error.code}: ${summary.error.message}` : '';
    // In and out where the set counts them, else its depths.
    drawChart(card.querySelector('.spark'), summary.name, summary.stats?.counters ? 'items/s' : 'items', true);
  }
  for (const gone of cards.values()) gone.remove();
  $('no-sets').hidden = overview.sets.length > 0;
  $('updated').textContent = `Updated ${new Date(overview.now).toLocaleTimeString()}, every ${overview.refreshMs / 1000} s`;
}

/** "hour", "3 hours", "15 minutes". */
function span(ms) {
  const hours = ms / 3600000;
  if (Number.isInteger(hours)) return hours === 1 ? 'hour' : `${hours} hours`;
  return `${Math.round(ms / 60000)} minutes`;
}

const kindText = ({ kind, kindGuessed }) => `${KINDS[kind]}${kindGuessed ? ' (guessed from its scores)' : ''}`;

/** Charts the series of `unit` of a set's history in `container`. */
function drawChart(container, name, unit, compact) {
  const history = state.history.get(name);
  if (!history) return;
  const series = history.series.filter((s) => s.unit === unit);
  const { stats, flow } = state.sets.get(name) ?? {};
  const now = unit === 'items'
    ? stats && `${stats.waiting} waiting, ${stats.due} due, ${stats.inFlight} in flight, ${stats.dead} dead`
    : flow && `${flow.inPerSec.toFixed(1)} in and ${flow.outPerSec.toFixed(1)} out per second`;
  const label = `${name}, ${unit === 'items' ? 'items by state' : 'items in and out per second'}, over the last ${span(history.spanMs)}` +
    (now ? `; now ${now}` : '');
  container.replaceChildren(lineChart({ times: history.t, series, spanMs: history.spanMs, now: Date.now(), label, compact }));
}

async function refreshHistory() {
  if (Date.now() - state.historyAt < state.historyStepMs) return;
  state.historyAt = Date.now();
  const names = [...state.sets.keys()];
  const histories = await Promise.all(names.map((name) => api.history(name).catch(() => null)));
  names.forEach((name, i) => {
    if (histories[i]) {
      state.history.set(name, histories[i]);
      state.historyStepMs = histories[i].stepMs;
    }
  });
}

// --- one set in detail ------------------------------------------------------------

function selectedFromHash() {
  const match = /^#set=(.+)$/.exec(location.hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

async function show() {
  const previous = state.selected;
  state.selected = selectedFromHash();
  if (state.selected !== previous) {
    state.picked.clear();
    $('dead-q').value = '';
  }
  $('overview').hidden = state.selected !== null;
  $('detail').hidden = state.selected === null;
  if (state.selected !== null) {
    $('detail-title').textContent = state.selected;
    $('detail-title').focus();
    await refreshDetail();
  } else if (previous) {
    document.querySelector(`[data-set="${CSS.escape(previous)}"] a`)?.focus();
  }
}

async function refreshDetail() {
  const name = state.selected;
  const summary = state.sets.get(name);
  if (!summary) {
    $('detail-kind').textContent = 'This dashboard does not show a set of that name.';
    return;
  }
  $('detail-kind').textContent = kindText(summary);
  figures($('detail-figures'), summary.stats, summary.flow);
  const paused = summary.stats?.paused === true;
  $('pause').hidden = paused;
  $('resume').hidden = !paused;
  drawChart($('detail-chart'), name, 'items', false);
  $('detail-flow').hidden = !summary.stats?.counters;
  if (summary.stats?.counters) drawChart($('detail-flow-chart'), name, 'items/s', false);
  const history = state.history.get(name);
  if (history) for (const label of document.querySelectorAll('.history-span')) label.textContent = `The last ${span(history.spanMs)}`;
  const [items, inFlight, groups, dead] = await Promise.all([
    api.items(name, NEXT_ITEMS),
    api.inFlight(name, DETAIL_ROWS),
    api.groups(name, DETAIL_ROWS),
    api.dead(name, $('dead-q').value, DETAIL_ROWS),
  ]);
  if (state.selected !== name) return;

  syncRows($('items'), items.items, (row) => `${row.score}\u0000${row.item}`, (tr, row) =>
    cells(tr, [row.item, score(row.score, summary.kind)], [{ class: 'item' }, { class: 'num' }]));
  $('items-empty').hidden = items.items.length > 0;

  syncRows($('leases'), inFlight.leases, (row) => `${row.token}\u0000${row.item}`, (tr, row) =>
    cells(tr, [
      row.item,
      row.token === null ? 'retry waiting' : `token ${row.token}`,
      String(row.deliveries),
      row.timeLeftMs > 0 ? duration(row.timeLeftMs) : 'expired',
    ], [{ class: 'item' }, {}, { class: 'num' }, { class: 'num' }]));
  $('leases-empty').hidden = inFlight.leases.length > 0;

  syncRows($('groups'), groups.groups, (row) => row.group, (tr, row) =>
    cells(tr, [row.group === '' ? '(default)' : row.group, count(row.waiting), count(row.inFlight), count(row.dead)],
      [{ class: 'item' }, { class: 'num' }, { class: 'num' }, { class: 'num' }]));
  $('groups-section').hidden = groups.groups.length === 0;
  $('groups-more').hidden = groups.groups.length < DETAIL_ROWS;
  $('groups-more').textContent = `The first ${DETAIL_ROWS} groups: those with waiting items first.`;

  renderDead(dead);
}

function renderDead({ total, matched, letters }) {
  state.shownDead = letters.map((l) => l.id);
  state.deadMatched = matched;
  const shown = new Set(state.shownDead);
  for (const id of state.picked) if (!shown.has(id)) state.picked.delete(id);
  syncRows($('dead'), letters, (row) => row.id, (tr, row, isNew) => {
    if (isNew) {
      const box = el('input', { type: 'checkbox', 'aria-label': `Select ${row.item}` });
      box.addEventListener('change', () => {
        if (box.checked) state.picked.add(row.id);
        else state.picked.delete(row.id);
        renderPicked();
      });
      tr.append(el('td', { class: 'write' }, box));
    }
    tr.cells[0].firstChild.checked = state.picked.has(row.id);
    cells(tr, [row.item, row.reason, String(row.deliveries), time(row.time)],
      [{ class: 'item' }, { class: 'reason' }, { class: 'num' }, {}], 1);
  });
  const searching = $('dead-q').value !== '';
  $('dead-count').textContent = searching ? `${count(matched)} of ${count(total)} match` : `${count(total)} in all`;
  if (matched > letters.length) $('dead-count').textContent += `, the first ${letters.length} shown`;
  $('dead-empty').hidden = letters.length > 0;
  $('dead-empty').textContent = searching ? 'No dead letter matches.' : 'No dead letters.';
  $('requeue-all').disabled = total === 0;
  $('purge').disabled = total === 0;
  renderPicked();
}

function renderPicked() {
  const n = state.picked.size;
  $('requeue-selected').disabled = n === 0;
  $('requeue-selected').textContent = n === 0 ? 'Requeue selected' : `Requeue ${n} selected`;
  const all = $('dead-all');
  all.checked = n > 0 && n === state.shownDead.length;
  all.indeterminate = n > 0 && n < state.shownDead.length;
}

$('dead-all').addEventListener('change', () => {
  for (const id of state.shownDead) {
    if ($('dead-all').checked) state.picked.add(id);
    else state.picked.delete(id);
  }
  for (const tr of $('dead').rows) tr.cells[0].firstChild.checked = state.picked.has(tr.dataset.key);
  renderPicked();
});

let searchTimer;
$('dead-q').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => refreshDetail().catch((err) => refused(err, 'Searching')), SEARCH_DELAY_MS);
});
$('dead-search').addEventListener('submit', (event) => {
  event.preventDefault();
  refreshDetail().catch((err) => refused(err, 'Searching'));
});

// --- changes -----------------------------------------------------------------------

/** Asks in a modal dialog; resolves whether the user confirmed. */
function confirmChange(title, text, action) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

async function change(what, run, describe) {
  const name = state.selected;
  try {
    const result = await run(name);
    announce(describe(result, name));
  } catch (err) {
    refused(err, what);
  }
  await refresh().catch((err) => refused(err, 'Refreshing'));
}

const letters = (n) => `${count(n)} dead letter${n === 1 ? '' : 's'}`;

$('recover').addEventListener('click', () => change('Recovering expired leases', (name) => api.recover(name),
  ({ requeued, dead }, name) => `Recovered the expired leases of ${name}: ${count(requeued)} back in the set, ${count(dead)} to the dead letters.`));

$('requeue-selected').addEventListener('click', () => {
  const ids = [...state.picked];
  return change('Requeuing', (name) => api.requeue(name, { ids }), ({ requeued, notFound }, name) => {
    for (const id of ids) state.picked.delete(id);
    return `Requeued ${letters(requeued)} of ${name}.` + (notFound > 0 ? ` ${count(notFound)} no longer dead (requeued or purged meanwhile).` : '');
  });
});

$('requeue-all').addEventListener('click', async () => {
  const total = state.sets.get(state.selected)?.stats?.dead ?? 0;
  if (!(await confirmChange(`Requeue every dead letter of ${state.selected}?`,
    `The ${letters(total)} go back into the set, to be delivered again.`, `Requeue ${letters(total)}`))) return;
  await change('Requeuing', (name) => api.requeue(name, { all: true }), ({ requeued }, name) => `Requeued ${letters(requeued)} of ${name}.`);
});

$('purge').addEventListener('click', async () => {
  const total = state.sets.get(state.selected)?.stats?.dead ?? 0;
  if (!(await confirmChange(`Delete every dead letter of ${state.selected}?`,
    `The ${letters(total)} (and any that die meanwhile) are deleted for good. This cannot be undone.`, `Purge ${letters(total)}`))) return;
  await change('Purging', (name) => api.purge(name), ({ purged }, name) => `Purged ${letters(purged)} of ${name}.`);
});

$('pause').addEventListener('click', async () => {
  const name = state.selected;
  if (!(await confirmChange(`Pause ${name}?`,
    'No consumer, in any runtime, is handed an item until the set is resumed. Producers go on adding, and leases already held run on.',
    `Pause ${name}`))) return;
  await change('Pausing', (set) => api.pause(set), ({ changed }, set) => (changed ? `Paused ${set}.` : `${set} was paused already.`));
});

$('resume').addEventListener('click', async () => {
  const name = state.selected;
  if (!(await confirmChange(`Resume ${name}?`, 'Its consumers, in every runtime, are handed items again at once.', `Resume ${name}`))) return;
  await change('Resuming', (set) => api.resume(set), ({ changed }, set) => (changed ? `Resumed ${set}.` : `${set} was not paused.`));
});

// --- the refresh loop ----------------------------------------------------------------

async function refresh() {
  const overview = await api.sets();
  state.writes = overview.writes;
  state.refreshMs = overview.refreshMs;
  state.sets = new Map(overview.sets.map((s) => [s.name, s]));
  renderMode();
  await refreshHistory();
  renderOverview(overview);
  if (state.selected !== null) await refreshDetail();
}

let timer;
let failing = false;
async function poll() {
  clearTimeout(timer);
  try {
    await refresh();
    if (failing) announce('Refreshing works again.');
    failing = false;
  } catch (err) {
    failing = true;
    refused(err, 'Refreshing');
  }
  timer = setTimeout(poll, state.refreshMs);
}

// A change's message is about the set it was made on: going to another page clears it.
window.addEventListener('hashchange', () => {
  announce('');
  show().catch((err) => refused(err, 'Loading the set'));
});
poll().then(() => show()).catch((err) => refused(err, 'Loading'));
