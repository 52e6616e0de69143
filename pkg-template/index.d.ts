/** Anything that speaks to Redis: an ioredis client (Redis or Cluster), a node-redis v4+
 * client, or a function that sends one command and resolves to its reply. A Redis error
 * reply should be returned (or thrown) as an `Error`. */
export type RedisClient =
  | { callBuffer(...args: Array<string | Uint8Array>): Promise<unknown> }
  | { sendCommand(args: Array<string | Uint8Array>, options?: unknown): Promise<unknown> }
  | Execute;

/** Sends one command (name first) and resolves to the reply, or returns it at once. */
export type Execute = (args: Array<string | Uint8Array>) => unknown | Promise<unknown>;

/** Turns items into the stored member and back. */
export interface Serializer<T> {
  dumps(item: T): string | Uint8Array;
  /** Gets the member as a string (a Uint8Array if it is not valid UTF-8). */
  loads(member: string): T;
}

/** Gives an item its score when `add` gets none. Lower is popped sooner. */
export type Scorer<T> = (item: T) => number;

/** Told about each removed item that failed to deserialize (default: console.warn). */
export type Logger = (message: string, details: { set: string; raw: Uint8Array; error: string }) => void;

export interface SetOptions<T> {
  scorer?: Scorer<T>;
  /** As in the original, a serializer without `dumps` or `loads` falls back to strings for that side. */
  serializer?: Serializer<T> | Partial<Serializer<T>>;
  logger?: Logger;
  /**
   * ScheduledSet: honour the original Python redset's lock (`name__lock`) so that its
   * consumers can share the set without an item being handed out twice. Default true,
   * false on a Cluster client (the lock key lives in another hash slot).
   */
  originalLock?: boolean;
  /** ScheduledSet: seconds a pop waits for that lock before rejecting with LockTimeout (default 10; 0 = one try). */
  lockTimeout?: number;
}

/** A Redis-backed sorted set safe for consumption by many processes. */
export class SortedSet<T = string> {
  constructor(client: RedisClient, name: string, options?: SetOptions<T>);
  /** The Redis key the set is stored at. */
  readonly name: string;
  /** Adds the item or updates its score; resolves to the score used. */
  add(item: T, score?: number | null): Promise<number>;
  /** Removes the next eligible item; null if it failed to deserialize; rejects with KeyError if none. */
  pop(): Promise<T | null>;
  /** Removes at most `count` eligible items, in score order; `[]` for a count below 1. */
  take(count: number): Promise<T[]>;
  /** The eligible item at `position` (default 0), not removed; rejects with KeyError if none. */
  peek(position?: number): Promise<T | null>;
  /** The score of the next eligible item, or null. */
  peekScore(): Promise<number | null>;
  /** The item's score, or null. */
  score(item: T): Promise<number | null>;
  /** Whether the item is in the set. */
  has(item: T): Promise<boolean>;
  /** How many items the set holds. */
  len(): Promise<number>;
  /** Deletes the set; whether it existed. */
  clear(): Promise<boolean>;
  /** Removes the item; whether it was there. */
  discard(item: T): Promise<boolean>;
  toString(): string;
}

/** A FIFO set: the default score is the time of `add`. */
export class TimeSortedSet<T = string> extends SortedSet<T> {}

/** Hands out only items whose score (UNIX seconds) is <= now. */
export class ScheduledSet<T = string> extends TimeSortedSet<T> {
  /** How many items are due now. */
  available(): Promise<number>;
}

/** Items as JSON. */
export class JsonSerializer<T = unknown> implements Serializer<T> {
  dumps(item: T): string;
  loads(member: string): T;
}

export class RedsetError extends Error {}
/** No (eligible) item at the position asked for. */
export class KeyError extends RedsetError {
  set: string;
  position: number;
}
/** Redis answered with an error reply. */
export class ReplyError extends RedsetError {
  /** The first word of the reply, e.g. "WRONGTYPE". */
  code: string;
  serverMessage: string;
}
/** The client (execute) threw or rejected; `cause` is what it threw. */
export class ConnectionError extends RedsetError {}
/** A reply of an unexpected shape. */
export class ProtocolError extends RedsetError {}
/** The serializer failed. */
export class SerializerError extends RedsetError {}
/** A scheduled pop waited `lockTimeout` for the original redset's lock and gave up; nothing was taken. */
export class LockTimeout extends RedsetError {
  set: string;
  /** The lock's key: `name + "__lock"`. */
  lock: string;
}
