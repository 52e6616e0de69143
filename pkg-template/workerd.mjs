// The entry for Cloudflare Workers (workerd), which compiles no wasm from bytes: the
// .wasm file imported as a compiled module (wrangler's CompiledWasm rule) and given to
// wasm-bindgen's web glue, the binding of the same modules (lib/) as every other entry.
// It loads no tracing: a bundle cannot hold an optional module it may not find.
import wasmModule from './wasm/redset_wasm_bg.wasm';
import * as glue from './wasm/redset_wasm.web.mjs';

import { useBinding } from './lib/binding.mjs';

glue.initSync({ module: wasmModule });
useBinding(glue);

export * from './lib/index.mjs';
export { default } from './lib/index.mjs';
