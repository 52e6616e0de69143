/** A reply as an `execute` function gives it: strings or Buffers, numbers, arrays, null. */
export type ScriptedReply = string | Uint8Array | number | null | ScriptedReply[];

/**
 * A scripted `execute(args)` for testing code that uses redset without a server. An
 * expected argument `'*'` matches any argument.
 */
export declare class Scripted {
  /** Every command sent so far. */
  readonly sent: string[][];
  /** Expects `command` next and answers `reply`. */
  expect(command: string[], reply: ScriptedReply): this;
  /** Expects `command` next and answers an error reply such as `'WRONGTYPE …'`. */
  expectError(command: string[], message: string): this;
  /** Expects `command` next, then the connection drops. */
  expectDropped(command: string[]): this;
  /** Expects `command` next, then never answers. */
  expectHang(command: string[]): this;
  /** The function to give a set: `new SortedSet(conn.execute, name)`. */
  readonly execute: (args: (string | Uint8Array)[]) => Promise<unknown>;
  /** Throws unless every command sent was the expected one and every expected one was sent. */
  assertDone(): void;
}

/** A new scripted connection. */
export declare function scripted(): Scripted;
