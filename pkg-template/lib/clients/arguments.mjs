// Command arguments as the clients take them: strings as they are, and Uint8Arrays (a
// member that is not UTF-8) as Buffers where Buffer exists (ioredis and node-redis send
// a Buffer's bytes, and would stringify a plain Uint8Array).

const toBuffer = typeof Buffer === 'function'
  ? (arg) => (typeof arg === 'string' ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength))
  : (arg) => arg;

/** `args` itself when every argument is a string (the common case), else a copy. */
export function buffers(args) {
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== 'string') return args.map(toBuffer);
  }
  return args;
}
