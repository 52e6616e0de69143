// The dashboard's Rust host, `redset dashboard`, run as a process for the dashboard's
// tests: target/debug/redset (cargo build --features cli --bin redset; ./run test builds
// it before the Node tests), or the binary REDSET_BIN names.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REDSET_BIN = process.env.REDSET_BIN ?? fileURLToPath(new URL('../../target/debug/redset', import.meta.url));

// The kinds as the API names them, and as `--kind` does.
const KIND_FLAGS = { sorted: 'sorted', time: 'time-sorted', scheduled: 'scheduled' };
// A bound, not a timing margin: a debug build on a busy machine starting and binding.
const STARTS_WITHIN_MS = 60000;
const STOPS_WITHIN_MS = 10000;
const LOG_MARK = 'redset dashboard: ';

const periodFlags = { refreshMs: '--refresh', rescanMs: '--rescan', historyStepMs: '--history-step', historyMs: '--history' };

/**
 * Starts `redset dashboard` on a free loopback port for the server at `url` (`redis://`,
 * `redis+unix://`): the `sets` named (names, or `{ name, kind }` with the API's kinds),
 * `discover`, `token` (given in the environment, as an operator should), `origins`, and
 * the periods `refreshMs`, `rescanMs`, `historyStepMs`, `historyMs`. Resolves once it
 * says where it serves to `{ base, origin, logs, stop }`: the page's URL, its origin,
 * the lines it logged (from "redset dashboard: " on, as the Node host's logger gets
 * them), and how to stop it (SIGTERM, then SIGKILL).
 */
export async function startRustDashboard({ url, sets = [], discover = false, token, origins = [], ...periods }) {
  if (!existsSync(REDSET_BIN)) throw new Error(`${REDSET_BIN} is missing: cargo build --features cli --bin redset (./run test builds it)`);
  const args = ['dashboard', '--listen', '127.0.0.1:0', '--url', url];
  if (discover) args.push('--discover');
  for (const origin of origins) args.push('--origin', origin);
  for (const [name, ms] of Object.entries(periods)) {
    if (!(name in periodFlags)) throw new TypeError(`startRustDashboard: unknown option ${name}`);
    if (ms !== undefined) args.push(periodFlags[name], `${ms}ms`);
  }
  const names = sets.map((set) => (typeof set === 'string' ? { name: set } : set));
  for (const { name, kind } of names) if (kind) args.push('--kind', `${name}=${KIND_FLAGS[kind]}`);
  args.push('--', ...names.map(({ name }) => name));

  const env = { ...process.env };
  delete env.REDSET_DASHBOARD_TOKEN;
  if (token !== undefined) env.REDSET_DASHBOARD_TOKEN = token;
  const child = spawn(REDSET_BIN, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = [];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redset dashboard did not start within ${STARTS_WITHIN_MS} ms:\n${lines.join('\n')}`)), STARTS_WITHIN_MS);
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      const serving = /serving the dashboard on (http:\/\/\S+\/) /.exec(line);
      if (serving) {
        clearTimeout(timer);
        resolve(serving[1]);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`redset dashboard exited (${code}) before serving:\n${lines.join('\n')}`));
    });
  });
  return {
    base,
    origin: new URL(base).origin,
    logs: () => lines.filter((line) => line.includes(LOG_MARK)).map((line) => line.slice(line.indexOf(LOG_MARK))),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOPS_WITHIN_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
