// The entry for Node (import), Bun and Deno: wasm-bindgen's nodejs glue, which reads
// the .wasm file beside it, as the binding of the package's modules (lib/).
import { createRequire } from 'node:module';

import { useBinding } from './lib/binding.mjs';

useBinding(createRequire(import.meta.url)('./wasm/redset_wasm.js'));

export * from './lib/index.mjs';
export { default } from './lib/index.mjs';
