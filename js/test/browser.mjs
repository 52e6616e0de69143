// A real browser for the page tests: Debian's Chromium (/usr/bin/chromium, which
// ./run test installs) driven by playwright-core, with a fresh profile and no traffic
// but to the pages under test; and axe-core's accessibility and contrast rules.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.REDSET_CHROMIUM ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Without the background-networking flags Chromium dials out at start, and this
// machine's closed network refuses it (seen as errors in the page's run).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/**
 * Starts Chromium with a profile of its own in a temp dir. `errors` collects every
 * console error and uncaught exception of its pages (with the page's URL); `close()`
 * stops it and removes the profile.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (./run test does)`);
  const profile = mkdtempSync(join(tmpdir(), 'redset-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`${page.url()}: uncaught ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    newPage: (viewport) => context.newPage().then(async (page) => {
      if (viewport) await page.setViewportSize(viewport);
      return page;
    }),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core's WCAG 2.1 A and AA rules (colour contrast among them) on the page as it
 * is; resolves to the violations, each as "rule: what, at which elements".
 */
export async function accessibilityViolations(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does
  // not stand in the way and the page needs no change for the test.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(() =>
    globalThis.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then((result) => result.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)));
  return violations;
}
