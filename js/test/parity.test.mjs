// The JS half of the parity test: every operation of tests/operations.json (which
// tests/surface.rs holds Rust sync and tokio to, on every kind and builder chain) is a
// method of the wasm binding, of the JS classes of every kind it belongs to, and of
// index.d.ts — and none of them has an operation the list lacks. A capability that
// reaches one surface and not another fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { ScheduledSet, SortedSet, TimeSortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const { WasmSet } = require('../../pkg/wasm/redset_wasm.js');

const manifest = JSON.parse(readFileSync(new URL('../../tests/operations.json', import.meta.url), 'utf8'));
const operations = manifest.operations;
const everyKind = operations.filter((op) => op.only !== 'scheduled');
const scheduledOnly = operations.filter((op) => op.only === 'scheduled');

// What the binding and the classes have besides operations: the slot protocol the
// driver runs (start an operation, feed it replies, resume it, give it up), the
// prepared-operation protocol (the command of an operation the driver runs without a
// slot, and its reply decoded: operations listed already, under their own names), the
// set's configuration at construction (the grouper, the routing key), and its name and
// description. wasm-bindgen's own (`__…`) are left out.
const PROTOCOL = new Set([
  'constructor', 'feed', 'feedNumber', 'feedNumbers', 'feedBytes', 'feedBulks', 'resume', 'abandon',
  'prepared', 'preparedReply', 'preparedNumber', 'preparedBulks', 'preparedPair', 'preparedTraits', 'preparedTimeAt',
  'preparedScore', 'itemEnds',
  'preparedAdd', 'preparedAddAt', 'addedScore', 'preparedAddCheck', 'preparedAdded', 'preparedAddedReply', 'lowercaseNames',
  'markKeys', 'groupBy', 'name', 'toString', 'free',
]);
const CLASS_EXTRAS = new Set(['constructor', 'name', 'toString', Symbol.for('nodejs.util.inspect.custom')]);

/** Every method name along a prototype chain, up to (not including) Object.prototype. */
function methods(proto) {
  const names = new Set();
  for (let at = proto; at !== null && at !== Object.prototype; at = Object.getPrototypeOf(at)) {
    for (const key of Reflect.ownKeys(at)) names.add(key);
  }
  return names;
}

/** The methods index.d.ts declares on each class, own ones only, by class name. */
function declared() {
  const path = new URL('../../pkg/index.d.ts', import.meta.url);
  const source = ts.createSourceFile('index.d.ts', readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const classes = new Map();
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name === undefined) continue;
    const members = new Set();
    for (const member of statement.members) {
      if ((ts.isMethodDeclaration(member) || ts.isGetAccessor(member)) && member.name !== undefined) {
        members.add(member.name.getText(source));
      }
    }
    const base = statement.heritageClauses?.[0]?.types[0]?.expression.getText(source);
    classes.set(statement.name.text, { members, base });
  }
  // Inherited members too, as a TypeScript user sees them.
  const all = (name) => {
    const entry = classes.get(name);
    return entry === undefined ? new Set() : new Set([...entry.members, ...all(entry.base)]);
  };
  return { all };
}

test('the manifest is well formed: one line per operation, names unique', () => {
  assert.ok(operations.length > 30);
  const js = operations.map((op) => op.js);
  assert.equal(new Set(js).size, js.length);
  for (const op of operations) {
    assert.ok(Array.isArray(op.rust) && op.rust.length > 0, JSON.stringify(op));
    assert.equal(typeof op.js, 'string');
    assert.ok(op.binding === null || typeof op.binding === 'string');
  }
});

test('every operation with a binding is a method of the wasm binding, and the binding has no other', () => {
  const bound = methods(WasmSet.prototype);
  const missing = operations.filter((op) => op.binding !== null && typeof WasmSet.prototype[op.binding] !== 'function');
  assert.deepEqual(missing.map((op) => op.binding), []);
  const known = new Set(operations.map((op) => op.binding));
  const unlisted = [...bound].filter((key) => typeof key === 'string' && !key.startsWith('__') && !known.has(key) && !PROTOCOL.has(key));
  assert.deepEqual(unlisted, [], 'binding methods missing from tests/operations.json (or from PROTOCOL here)');
});

test('every kind of set class has its operations, and no class has one the manifest lacks', () => {
  for (const Class of [SortedSet, TimeSortedSet, ScheduledSet]) {
    const own = methods(Class.prototype);
    const expected = Class === ScheduledSet ? operations : everyKind;
    assert.deepEqual(expected.filter((op) => typeof Class.prototype[op.js] !== 'function').map((op) => op.js), [], Class.name);
    for (const op of scheduledOnly) {
      if (Class !== ScheduledSet) assert.equal(Class.prototype[op.js], undefined, `${Class.name}.${op.js}`);
    }
    const known = new Set(operations.map((op) => op.js));
    const unlisted = [...own].filter((key) => !known.has(key) && !CLASS_EXTRAS.has(key));
    assert.deepEqual(unlisted, [], `${Class.name}: methods missing from tests/operations.json`);
  }
});

test('index.d.ts declares every operation on the classes of the kinds it belongs to, and no other', () => {
  const { all } = declared();
  for (const name of ['SortedSet', 'TimeSortedSet', 'ScheduledSet']) {
    const members = all(name);
    const expected = name === 'ScheduledSet' ? operations : everyKind;
    assert.deepEqual(expected.filter((op) => !members.has(op.js)).map((op) => op.js), [], `${name} in index.d.ts`);
    for (const op of scheduledOnly) {
      if (name !== 'ScheduledSet') assert.ok(!members.has(op.js), `${name}.${op.js} in index.d.ts`);
    }
    const known = new Set(operations.map((op) => op.js));
    const unlisted = [...members].filter((member) => !known.has(member) && !CLASS_EXTRAS.has(member));
    assert.deepEqual(unlisted, [], `${name} in index.d.ts: methods missing from tests/operations.json`);
  }
});
