//! The module's allocator: talc, in place of the dlmalloc the standard library brings
//! to wasm32. It is the smaller of the two by 7 KB of the package's module, and costs the
//! same per call (an A/B of the package's pop, take, add and has over ioredis and
//! node-redis, issue 20). The module runs on one thread, as talc's wasm heap needs.

#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
