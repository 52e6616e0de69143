// The entry for Node (import), Bun and Deno: wasm-bindgen's nodejs glue, which reads
// the .wasm file beside it, as the binding of the package's modules (lib/), and
// `@opentelemetry/api` for tracing when the application has it installed (an optional
// peer dependency: without it nothing is loaded).
import { createRequire } from 'node:module';

import { useBinding } from './lib/binding.mjs';
import { useTracing } from './lib/tracing.mjs';

const require = createRequire(import.meta.url);

useBinding(require('./wasm/redset_wasm.js'));
useTracing(optional('@opentelemetry/api'));

/** The module `name` if it is installed where this package can find it, else null. */
function optional(name) {
  try {
    return require(name);
  } catch (err) {
    if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

export * from './lib/index.mjs';
export { default } from './lib/index.mjs';
