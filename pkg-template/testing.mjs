// redset/testing: a scripted `execute(args)` for testing code that uses redset without
// a server. It expects a sequence of commands and answers each with a reply, an error
// reply, a dropped connection or no reply at all; a command off the script gets an
// error reply (SCRIPTED) with a diff, and assertDone() throws with every difference and
// every expected command never sent.
//
//   import { scripted } from 'redset/testing';
//   const conn = scripted()
//     .expect(['ZPOPMIN', 'jobs', '1'], ['job-1', '0'])
//     .expectDropped(['ZPOPMIN', 'jobs', '1']);
//   const jobs = new SortedSet(conn.execute, 'jobs');
//   await jobs.pop();                   // 'job-1'
//   await jobs.pop();                   // rejects with ConnectionError
//   conn.assertDone();
//
// An expected argument '*' matches any argument (a script's SHA1, a timestamp).

/** The error class the package reads as a Redis error reply. */
class ReplyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ReplyError';
  }
}

const decoder = new TextDecoder();
const text = (arg) => (typeof arg === 'string' ? arg : decoder.decode(arg));

function diff(expected, sent) {
  const lines = ['command differs from the script:'];
  for (let i = 0; i < Math.max(expected.length, sent.length); i++) {
    const e = expected[i];
    const s = sent[i];
    const same = e !== undefined && s !== undefined && (e === '*' || e === s);
    const show = (a) => (a === undefined ? 'nothing' : JSON.stringify(a));
    lines.push(`${same ? ' ' : '!'} [${i}] expected ${show(e)}, sent ${show(s)}`);
  }
  return lines.join('\n');
}

export class Scripted {
  #script = [];
  #mismatches = [];
  /** Every command sent so far, as arrays of strings. */
  sent = [];

  #push(command, answer) {
    if (!Array.isArray(command)) throw new TypeError('a command is an array of arguments');
    this.#script.push({ args: command.map(String), answer });
    return this;
  }

  /** Expects `command` next and resolves with `reply` (strings, numbers, arrays, null). */
  expect(command, reply) {
    return this.#push(command, { reply });
  }

  /** Expects `command` next and answers an error reply such as 'WRONGTYPE …'. */
  expectError(command, message) {
    return this.#push(command, { error: String(message) });
  }

  /** Expects `command` next, then the connection drops (it may have taken effect). */
  expectDropped(command) {
    return this.#push(command, { dropped: true });
  }

  /** Expects `command` next, then never answers (see the set's `timeout` option). */
  expectHang(command) {
    return this.#push(command, { hang: true });
  }

  /** The `execute(args)` function to give a set. */
  execute = async (args) => {
    const sent = args.map(text);
    this.sent.push(sent);
    const expected = this.#script.shift();
    if (expected === undefined) {
      const message = `unexpected command ${JSON.stringify(sent)}: the script has ended`;
      this.#mismatches.push(message);
      throw new ReplyError(`SCRIPTED ${message}`);
    }
    const matches = expected.args.length === sent.length && expected.args.every((e, i) => e === '*' || e === sent[i]);
    if (!matches) {
      const message = diff(expected.args, sent);
      this.#mismatches.push(message);
      throw new ReplyError(`SCRIPTED ${message}`);
    }
    const { answer } = expected;
    if (answer.error !== undefined) throw new ReplyError(answer.error);
    if (answer.dropped) throw new Error('scripted connection dropped');
    if (answer.hang) return new Promise(() => {});
    return answer.reply;
  };

  /** Throws unless every command sent was the expected one and every expected one was sent. */
  assertDone() {
    const report = [...this.#mismatches, ...this.#script.map((e) => `expected, never sent: ${JSON.stringify(e.args)}`)];
    if (report.length > 0) throw new Error(`scripted connection:\n${report.join('\n')}`);
  }
}

/** A new scripted connection: chain expect… calls, pass `.execute` to a set. */
export const scripted = () => new Scripted();

export default { scripted, Scripted };
