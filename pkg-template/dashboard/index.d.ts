import type { RedisClient, SortedSet } from '../index.js';

/**
 * What the handler reads of a request: node:http's IncomingMessage fits, and so do
 * Express's and Connect's (declared here so that the typings need no @types/node).
 */
export interface DashboardRequest extends AsyncIterable<Uint8Array | string> {
  method?: string;
  url?: string;
  /** Express and Connect: the path asked for, before the mount path was stripped. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** What a body parser that ran before made of the body, if one did. */
  body?: unknown;
  socket?: { remoteAddress?: string };
}

/** What the handler uses of a response: node:http's ServerResponse fits. */
export interface DashboardResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  writeHead(status: number, headers?: Record<string, string | number>): unknown;
  end(body?: string | Uint8Array): unknown;
  destroy(error?: Error): unknown;
}

/** A set to show: a set object (its serializer reads the items), a name, or a name and its kind. */
export type DashboardSet =
  | SortedSet<any>
  | string
  | { name: string; kind?: 'sorted' | 'time' | 'scheduled' };

export interface DashboardOptions {
  /** The application's ioredis or node-redis client (or an `execute(args)` function). */
  client: RedisClient;
  /**
   * The sets to show. A name without a kind is shown as scheduled if its lowest score
   * reads as a UNIX time, else as a sorted set.
   */
  sets?: DashboardSet[];
  /** Also show the sets found in Redis by their companion keys (SCAN; on a cluster, every master). */
  discover?: boolean;
  /**
   * Allows changes (requeue, purge, recover) to requests that carry it in the
   * X-Redset-Token header; at least 16 characters. Without it (and without
   * `authenticated`) the dashboard is read-only.
   */
  token?: string;
  /**
   * The application's own middleware authenticates every request that reaches the
   * handler: changes are allowed without a token (still only as same-origin POSTs).
   */
  authenticated?: boolean;
  /** Origins besides the host's own allowed to post changes, e.g. behind a proxy: ["https://ops.example.com"]. */
  origins?: string[];
  /** The path the dashboard is served under when given every request (node:http), e.g. "/redset". */
  prefix?: string;
  /** How often each set's stats are read (ms, default 2000). */
  refreshMs?: number;
  /** How often sets are looked for again with `discover` (ms, default 30000). */
  discoverMs?: number;
  /** The chart's resolution (ms, default 10000). */
  historyStepMs?: number;
  /** How far back the chart goes (ms, default one hour); kept in this process while it runs. */
  historyMs?: number;
  /** Told of every change made through the dashboard and of every failure (default console.info). */
  logger?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * A request handler for node:http, Express or Connect (`app.use('/redset', handler)`),
 * and Fastify through @fastify/middie. Unknown paths go to `next` when given one.
 */
export interface DashboardHandler {
  (req: DashboardRequest, res: DashboardResponse, next?: (err?: unknown) => void): void;
  /** Stops reading the sets' stats. */
  close(): void;
}

/** The redset dashboard: its page and JSON API over the application's Redis client. */
export function dashboard(options: DashboardOptions): DashboardHandler;
