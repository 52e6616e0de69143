// The dashboard in a real browser (Debian's Chromium through playwright-core) against
// a real redis-server, once per host that serves it: the page shows the right figures
// for sets in known states, follows a producer and a consumer, lists items, leases,
// groups and dead letters, makes changes — requeue, purge, recover, pause, resume — only
// with the token (and they change Redis as shown),
// works with the keyboard and at a phone's width, passes axe-core's WCAG AA rules
// (contrast included) in light and dark, and logs no console error. Screenshots go to
// target/dashboard/ (node-*.png, rust-*.png) for the closing note.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { accessibilityViolations, launchBrowser } from './browser.mjs';
import { MARKUP_ITEM, knownStates } from './dashboard-fixture.mjs';
import { startRustDashboard } from './dashboard-rust-host.mjs';
import { startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../target/dashboard/', import.meta.url));
const TOKEN = 'browser-test-token-0123456789';
// The hosts read every set's stats once per refresh and the page polls once per
// refresh, so a change shows within two refreshes; the rest is slack for a busy machine
// (with both cores busy a first page load took 8 s here).
const REFRESH_MS = 1000;
const SHOWS_WITHIN_MS = 2 * REFRESH_MS + 15000;
const PHONE = { width: 390, height: 844 };

/**
 * Every host of the page: `start({ socket, url, token, refreshMs, sets })` serves the
 * dashboard for the redis-server at `socket` / `url` (the sets named, and those it
 * finds) and resolves to `{ base, logs, stop }`: the page's URL, the lines it logged,
 * and how to stop it.
 */
const HOSTS = [
  {
    name: 'node',
    async start({ socket, token, refreshMs, sets }) {
      const Redis = require('ioredis');
      const { dashboard } = require('../../pkg/dashboard/index.js');
      const client = new Redis({ path: socket });
      const logs = [];
      const handler = dashboard({
        client, sets, discover: true, token, refreshMs, prefix: '/ops/redset',
        logger: (message) => logs.push(message),
      });
      const server = http.createServer(handler);
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        base: `http://127.0.0.1:${server.address().port}/ops/redset/`,
        logs: () => logs,
        async stop() {
          handler.close();
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          client.disconnect();
        },
      };
    },
  },
  {
    name: 'rust',
    // `redset dashboard`, the binary of the crate's `cli` feature, run as a process.
    start: ({ url, token, refreshMs, sets }) => startRustDashboard({ url, token, refreshMs, sets, discover: true }),
  },
];

for (const host of HOSTS) {
  describe(`the dashboard served by the ${host.name} host`, () => {
    let redis;
    let client;
    let sets;
    let served;
    let browser;
    let page;
    const shot = async (p, name) => {
      const path = `${SHOTS}${host.name}-${name}.png`;
      await p.screenshot({ path, fullPage: true });
      return path;
    };

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      redis = await startRedis();
      const Redis = require('ioredis');
      client = new Redis({ path: redis.socket });
      sets = await knownStates(client);
      served = await host.start({ socket: redis.socket, url: redis.url, token: TOKEN, refreshMs: REFRESH_MS, sets: [{ name: 'retries', kind: 'scheduled' }] });
      browser = await launchBrowser();
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
      await served?.stop();
      client?.disconnect();
      await redis?.stop();
    });

    test('shows every set with the figures of its known state', async (t) => {
      await page.goto(served.base);
      for (const [name, expected] of Object.entries(sets.expected)) {
        await waitForFigures(page, name, expected);
        assert.match(await page.locator(`[data-set="${name}"] .kind`).textContent(), new RegExp(`^${expected.kind}`));
      }
      // retries' oldest due item has waited a minute (due 60 s before the fixture ran).
      assert.match(await figure(page, 'retries', 'oldestDueAgeMs'), /^1 min \d+ s$/);
      assert.equal(await figure(page, 'jobs', 'oldestDueAgeMs'), '—');
      for (const name of Object.keys(sets.expected)) assert.equal(await figure(page, name, 'state'), 'Running');
      // Items in and out per second are shown for the set that counts them only.
      assert.ok(await page.locator('[data-set="retries"] [data-field="outPerSec"]').isVisible());
      assert.ok(await page.locator('[data-set="jobs"] [data-field="outPerSec"]').isHidden());
      assert.equal(await page.locator('#mode').textContent(), 'Read-only until the write token is given');
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-overview')}`);
      assert.deepEqual(browser.errors, []);
    });

    test('follows a producer and a consumer within two refreshes', async (t) => {
      const started = Date.now();
      await sets.jobs.add('job-8', 8);
      await sets.jobs.add('job-9', 9);
      // From retries: a claim of jobs would also take back its expired lease.
      await sets.retries.claim(1, 60000); // retry-b
      await waitForFigures(page, 'jobs', { waiting: 5, due: 5, inFlight: 2, dead: 2 });
      await waitForFigures(page, 'retries', { waiting: 4, due: 1, inFlight: 2, dead: 0 });
      t.diagnostic(`shown after ${Date.now() - started} ms (refresh ${REFRESH_MS} ms)`);
    });

    test('opens a set from the keyboard and lists its items, leases and dead letters', async () => {
      await page.locator('body').focus();
      await tabTo(page, '[data-set="jobs"] a');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'detail-title' && document.activeElement.textContent === 'jobs');
      assert.ok(await page.locator('#overview').isHidden());

      await waitForRows(page, 'items', [['job-5', '5'], ['job-6', '6'], [MARKUP_ITEM, '7'], ['job-8', '8'], ['job-9', '9']]);
      // The markup item is text, not an element.
      assert.equal(await page.locator('#items img').count(), 0);
      assert.notEqual(await page.title(), 'injected');

      const leases = await rows(page, 'leases');
      assert.deepEqual(leases.map(([item]) => item), ['job-4', 'job-1']); // earliest deadline first
      const expired = leases.find(([item]) => item === 'job-4');
      assert.match(expired[1], /^token \d+$/);
      assert.deepEqual(expired.slice(2), ['1', 'expired']);
      assert.match(leases.find(([item]) => item === 'job-1')[3], /^\d+ s$/);

      const dead = await rows(page, 'dead');
      assert.deepEqual(dead.map((r) => r.slice(1, 4)), [
        ['job-2', 'HTTP 503 from the billing API', '1'],
        ['job-3', 'timed out after 30 s', '1'],
      ]);
      await page.locator('#dead-q').fill('BILLING');
      await page.waitForFunction(() => document.querySelector('#dead').rows.length === 1);
      assert.equal((await rows(page, 'dead'))[0][1], 'job-2');
      assert.equal(await page.locator('#dead-count').textContent(), '1 of 2 match');
      await page.locator('#dead-q').fill('');
      await page.waitForFunction(() => document.querySelector('#dead').rows.length === 2);
      assert.deepEqual(browser.errors, []);
    });

    test('refuses changes without the token, and the page offers none', async () => {
      for (const id of ['recover', 'requeue-all', 'purge', 'requeue-selected', 'pause', 'resume']) {
        assert.ok(await page.locator(`#${id}`).isHidden(), `#${id} is offered read-only`);
      }
      const purge = new URL('api/sets/jobs/purge', served.base);
      const origin = new URL(served.base).origin;
      const post = (headers) => fetch(purge, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      const refusals = [
        [await post({ origin }), 401],
        [await post({ origin, 'x-redset-token': 'not-the-token-at-all' }), 401],
        [await post({ origin: 'http://attacker.example', 'x-redset-token': TOKEN }), 403],
        [await fetch(purge, { headers: { 'x-redset-token': TOKEN } }), 405],
      ];
      for (const [res, status] of refusals) {
        assert.equal(res.status, status);
        assert.ok((await res.json()).error.message);
      }
      assert.equal((await sets.jobs.stats()).dead, 2);
      assert.equal((await sets.jobs.deadLetters()).length, 2);

      // A wrong token given in the page is refused and not kept.
      const other = await browser.newPage();
      await other.goto(served.base);
      await other.locator('#token').fill('not-the-token-at-all');
      await other.locator('#unlock button').click();
      await other.locator('#status.error').waitFor();
      assert.match(await other.locator('#status').textContent(), /the token is wrong/);
      assert.ok(await other.locator('#unlock').isVisible());
      await other.close();
      // The refused request is the one console error there.
      const refusedLoads = browser.errors.filter((e) => /status of 401/.test(e));
      assert.equal(refusedLoads.length, 1, browser.errors.join('\n'));
      browser.errors.splice(0, browser.errors.length, ...browser.errors.filter((e) => !/status of 401/.test(e)));
      assert.deepEqual(browser.errors, []);
    });

    test('with the token, requeue, purge and recover change Redis as the page says', async (t) => {
      await page.locator('#token').fill(TOKEN);
      await page.locator('#unlock button').click();
      await page.locator('#lock').waitFor();
      assert.equal(await page.locator('#mode').textContent(), 'Changes allowed in this tab');

      await page.getByLabel('Select job-2').check();
      await page.locator('#requeue-selected').click();
      await statusIs(page, 'Requeued 1 dead letter of jobs.');
      assert.equal(await sets.jobs.score('job-2'), 2);
      assert.deepEqual((await sets.jobs.deadLetters()).map((l) => l.item), ['job-3']);
      await waitForRows(page, 'dead', [['job-3', 'timed out after 30 s', '1']], (r) => r.slice(1, 4));

      await page.locator('#purge').click();
      const dialog = page.locator('#confirm');
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /deleted for good/);
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-confirm')}`);
      await dialog.getByRole('button', { name: 'Purge 1 dead letter' }).click();
      await statusIs(page, 'Purged 1 dead letter of jobs.');
      assert.deepEqual(await sets.jobs.deadLetters(), []);

      // jobs's consumers allow one delivery, and each claim kept that with the set: the
      // expired job-4 goes to the dead letters.
      await page.locator('#recover').click();
      await statusIs(page, 'Recovered the expired leases of jobs: 0 back in the set, 1 to the dead letters.');
      assert.equal(await sets.jobs.score('job-4'), null);
      assert.deepEqual((await sets.jobs.deadLetters()).map((l) => l.item), ['job-4']);
      await waitForFigures(page, 'jobs', { waiting: 6, inFlight: 1, dead: 1 }, '#detail-figures');

      const logs = served.logs().join('\n');
      for (const change of [/requeued 1 dead letter of "jobs"/, /purged 1 dead letter of "jobs"/, /recovered the expired leases of "jobs": 0 requeued, 1 to the dead letters/]) {
        assert.match(logs, change);
      }
      assert.deepEqual(browser.errors, []);
    });

    test('with the token, pause and resume ask first, stop and start the set, and show it', async (t) => {
      await page.locator('#pause').click();
      const dialog = page.locator('#confirm');
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /No consumer, in any runtime, is handed an item/);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await sets.jobs.isPaused(), false, 'cancelled: nothing changed');

      await page.locator('#pause').click();
      await dialog.getByRole('button', { name: 'Pause jobs' }).click();
      await statusIs(page, 'Paused jobs.');
      assert.equal(await sets.jobs.isPaused(), true);
      assert.deepEqual(await sets.jobs.claim(1, 60000), [], 'a paused set hands out nothing');
      await waitForFigures(page, 'jobs', { state: 'Paused' }, '#detail-figures');
      await page.locator('#resume').waitFor();
      assert.ok(await page.locator('#pause').isHidden());
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-paused')}`);

      await page.locator('#resume').click();
      assert.match(await dialog.textContent(), /handed items again at once/);
      await dialog.getByRole('button', { name: 'Resume jobs' }).click();
      await statusIs(page, 'Resumed jobs.');
      assert.equal(await sets.jobs.isPaused(), false);
      await waitForFigures(page, 'jobs', { state: 'Running' }, '#detail-figures');
      await page.locator('#pause').waitFor();

      const logs = served.logs().join('\n');
      assert.match(logs, /paused "jobs"/);
      assert.match(logs, /resumed "jobs"/);
      assert.deepEqual(browser.errors, []);
    });

    test("lists a grouped set's figures per group", async (t) => {
      await page.goto(`${served.base}#set=tenants`);
      const groups = await Promise.all(['acme', 'zeta'].map((g) => sets.tenants.groupStats(g)));
      await waitForRows(page, 'groups', groups.map((g) => [g.group, String(g.waiting), String(g.inFlight), String(g.dead)]));
      assert.ok(await page.locator('#groups-section').isVisible());
      await statusIs(page, ''); // the last change's message was about another set
      assert.deepEqual(await accessibilityViolations(page), []);
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-groups')}`);
      // A set without groups shows no groups section.
      await page.goto(`${served.base}#set=jobs`);
      await waitForRows(page, 'items', [['job-2', '2']]);
      assert.ok(await page.locator('#groups-section').isHidden());
      assert.deepEqual(browser.errors, []);
    });

    test('passes the accessibility and contrast rules, light and dark', async (t) => {
      // The detail view with every control shown, then the overview.
      assert.deepEqual(await accessibilityViolations(page), []);
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-set')}`);
      await page.emulateMedia({ colorScheme: 'dark' });
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.goto(served.base);
      await waitForFigures(page, 'jobs', { waiting: 6 });
      assert.deepEqual(await accessibilityViolations(page), []);
      t.diagnostic(`screenshot: ${await shot(page, 'desktop-overview-dark')}`);
      await page.emulateMedia({ colorScheme: 'light' });
      assert.deepEqual(await accessibilityViolations(page), []);
      assert.deepEqual(browser.errors, []);
    });

    test("fits a phone's width", async (t) => {
      const phone = await browser.newPage(PHONE);
      await phone.goto(served.base);
      await waitForFigures(phone, 'jobs', { waiting: 6, inFlight: 1, dead: 1 });
      assert.ok(await fitsWidth(phone), 'the overview scrolls sideways');
      assert.deepEqual(await accessibilityViolations(phone), []);
      t.diagnostic(`screenshot: ${await shot(phone, 'phone-overview')}`);
      await phone.locator('[data-set="jobs"] a').click();
      await waitForRows(phone, 'items', [['job-2', '2']]);
      assert.ok(await fitsWidth(phone), 'the set view scrolls sideways');
      assert.deepEqual(await accessibilityViolations(phone), []);
      t.diagnostic(`screenshot: ${await shot(phone, 'phone-set')}`);
      await phone.close();
      assert.deepEqual(browser.errors, []);
    });
  });
}

// --- reading the page --------------------------------------------------------------

const figure = (page, set, field) => page.locator(`[data-set="${set}"] [data-field="${field}"]`).textContent();

/** Waits until the figures shown (in the set's card, or in `scope`) are `expected`'s; fails saying what was shown. */
async function waitForFigures(page, set, expected, scope = `[data-set="${set}"]`) {
  const want = Object.fromEntries(Object.entries(expected).filter(([k]) => k !== 'kind').map(([k, v]) => [k, v.toLocaleString('en-US')]));
  const read = (args) => Object.fromEntries(Object.keys(args.want).map((k) => [k, document.querySelector(`${args.scope} [data-field="${k}"]`)?.textContent]));
  try {
    await page.waitForFunction((args) => {
      const shown = Object.fromEntries(Object.keys(args.want).map((k) => [k, document.querySelector(`${args.scope} [data-field="${k}"]`)?.textContent]));
      return Object.entries(args.want).every(([k, v]) => shown[k] === v);
    }, { want, scope }, { timeout: SHOWS_WITHIN_MS });
  } catch (err) {
    const shown = await page.evaluate(read, { want, scope });
    assert.fail(`${set}: wanted ${JSON.stringify(want)} within ${SHOWS_WITHIN_MS} ms, shown ${JSON.stringify(shown)} (${err.message.split('\n')[0]})`);
  }
}

/** The text of each cell of each row of a table body. */
const rows = (page, tbody) => page.locator(`#${tbody} tr`).evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));

/** Waits until the table's rows, mapped by `pick`, start with `expected`. */
async function waitForRows(page, tbody, expected, pick = (r) => r) {
  const deadline = Date.now() + SHOWS_WITHIN_MS;
  let shown;
  while (Date.now() < deadline) {
    shown = (await rows(page, tbody)).map(pick);
    if (JSON.stringify(shown.slice(0, expected.length)) === JSON.stringify(expected)) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`#${tbody}: wanted ${JSON.stringify(expected)} first, shown ${JSON.stringify(shown)}`);
}

async function statusIs(page, text) {
  await page.waitForFunction((want) => document.querySelector('#status').textContent === want, text, { timeout: SHOWS_WITHIN_MS })
    .catch(async () => assert.fail(`status: wanted "${text}", shown "${await page.locator('#status').textContent()}"`));
}

/** Presses Tab until `selector` has the focus, at most 40 times. */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement === document.querySelector(s), selector)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
