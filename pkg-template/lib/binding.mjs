// The wasm binding the package's entry loaded: wasm-bindgen's nodejs glue (index.mjs:
// Node, Bun, Deno) or its web glue over a compiled module (workerd.mjs). Every module
// takes the binding from here, so the same modules serve every entry. Read it lazily
// (in a constructor or a call): an entry sets it after this package's modules load.

let current = null;

/** Sets the binding; called once by the entry. */
export function useBinding(binding) {
  current = binding;
}

/** The binding the entry set. */
export function binding() {
  if (current === null) throw new Error('redset: no wasm binding; import the package by its name, not a file inside it');
  return current;
}
