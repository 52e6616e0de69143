// Connections of their own for the blocking commands of waits (popWait, takeWait,
// claimWait, consume, process): a blocked command holds up every other command on its
// connection, so each wait in flight gets a duplicate of the user's client. They are
// closed as soon as no wait needs them (or no consume / process loop holds them), so
// they never keep a process alive.

import { connectionError } from './errors.mjs';

export class WaitConnections {
  #client;
  #adapter;
  #idle = [];
  #busy = 0;
  #held = 0;

  /** The pool for `client`, or null if its adapter cannot duplicate it (then waits poll). */
  static for(client, adapter) {
    return typeof adapter.duplicate === 'function' && typeof client?.duplicate === 'function'
      ? new WaitConnections(client, adapter)
      : null;
  }

  constructor(client, adapter) {
    this.#client = client;
    this.#adapter = adapter;
  }

  /** An idle connection, or a new duplicate: `{ client, send }`. */
  async acquire() {
    this.#busy++;
    if (this.#idle.length > 0) return this.#idle.pop();
    try {
      const client = await this.#adapter.duplicate(this.#client);
      return { client, send: this.#adapter.send(client) };
    } catch (err) {
      this.#busy--;
      throw connectionError(err);
    }
  }

  /** Gives a connection back; one whose command failed is closed, not kept. */
  release(connection, failed) {
    this.#busy--;
    if (failed) this.#close(connection.client);
    else this.#idle.push(connection);
    this.#trim();
  }

  /** Keeps idle connections open across a loop of waits, until `unhold()`. */
  hold() {
    this.#held++;
  }

  unhold() {
    this.#held--;
    this.#trim();
  }

  #trim() {
    if (this.#busy > 0 || this.#held > 0) return;
    for (const { client } of this.#idle.splice(0)) this.#close(client);
  }

  /** Closes a client without waiting for replies. */
  #close(client) {
    try {
      this.#adapter.close(client)?.catch?.(() => {});
    } catch {
      // Already closed.
    }
  }
}
