// The client's clock, as the core reads "now".

/** "Now" in UNIX seconds, with sub-millisecond resolution so FIFO order holds. */
export const now = () => (performance.timeOrigin + performance.now()) / 1000;

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
