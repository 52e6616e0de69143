// Tracing through OpenTelemetry, when the application has `@opentelemetry/api` (an
// optional peer dependency): a span per operation (`redset.<operation>`) and one per
// worker job (`redset.job`), with the names and attributes of the Rust crate's spans
// (src/native/trace.rs), so that traces read the same from either runtime. The entry
// hands over the API it found beside the package (index.mjs: Node, Bun, Deno), or
// nothing (workerd.mjs); without it nothing is loaded and a call costs one check.

let api = null;
let tracer = null;

/**
 * What the entry found: the `@opentelemetry/api` module, or null. The tracer comes from
 * the global provider, which the application may register later: the API's tracer
 * follows it.
 */
export function useTracing(otel) {
  api = otel ?? null;
  tracer = api === null ? null : api.trace.getTracer('redset');
}

/** Whether spans are made (the API is there); the one check a call pays without it. */
export function tracing() {
  return tracer !== null;
}

/**
 * An operation's name in spans: its Rust method's name (`addMany` is `add_many`, `has`
 * is `contains`), so that both runtimes' spans are named alike.
 */
export function operationName(method) {
  if (method === 'has') return 'contains';
  return method.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

// Operations whose result is one item or none (null), counted 1 or 0 as Rust counts an
// Option; a list counts its length, a recovery its items requeued and dead.
const ONE_OR_NONE = new Set(['pop', 'pop_wait', 'peek', 'peek_score', 'score']);

function itemsOf(operation, result) {
  if (Array.isArray(result)) return result.length;
  if (ONE_OR_NONE.has(operation)) return result === null ? 0 : 1;
  if (operation === 'recover') return result.requeued + result.dead;
  return undefined;
}

// An error's kind as a span's `redset.outcome`, by the package's class (Rust's names;
// a timeout is the JS face's own).
const OUTCOMES = {
  KeyError: 'empty',
  ReplyError: 'server_error',
  ConnectionError: 'connection_error',
  ProtocolError: 'protocol_error',
  LockTimeout: 'lock_timeout',
  LeaseLost: 'lease_lost',
  SerializerError: 'serializer_error',
  NotReplicated: 'not_replicated',
  TimeoutError: 'timeout',
  RangeError: 'invalid_input',
  TypeError: 'invalid_input',
};

function outcomeOf(err) {
  if (err?.name === 'ReplyError' && err.needs !== undefined) return 'unsupported';
  return OUTCOMES[err?.name] ?? 'error';
}

/** Marks `span` failed: status ERROR with the message, and `error.message`. */
function failed(span, err) {
  const message = err instanceof Error ? err.message : String(err);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
  span.setAttribute('error.message', message);
}

/**
 * Runs `run()` (an operation of the set `name`, resolving to its result) in a span
 * `redset.<operation>` under the caller's active span: `redset.set`,
 * `redset.operation`, and once it ends `redset.items` (when the result counts items)
 * and `redset.outcome` ("ok", or the error's kind; ERROR status but for an empty set).
 */
export async function inOperationSpan(name, operation, run) {
  const span = tracer.startSpan(`redset.${operation}`, {
    attributes: { 'redset.set': name, 'redset.operation': operation },
  });
  try {
    const result = await run();
    const items = itemsOf(operation, result);
    if (items !== undefined) span.setAttribute('redset.items', items);
    span.setAttribute('redset.outcome', 'ok');
    return result;
  } catch (err) {
    const outcome = outcomeOf(err);
    span.setAttribute('redset.outcome', outcome);
    if (outcome !== 'empty') failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * The span of a worker's job on `lease` of the set `name` (`redset.job`, with the
 * lease's token and deliveries), or null without tracing. It ends with `endJob`.
 */
export function startJob(name, lease) {
  if (tracer === null) return null;
  return tracer.startSpan('redset.job', {
    attributes: {
      'redset.set': name,
      'redset.operation': 'process',
      'redset.token': lease.token,
      'redset.deliveries': lease.deliveries,
      'redset.items': 1,
    },
  });
}

/** Runs `handler()` with the job's span active, so that the spans it makes nest under it. */
export function inJob(span, handler) {
  if (span === null) return handler();
  return api.context.with(api.trace.setSpan(api.context.active(), span), handler);
}

/**
 * Ends a job's span: `outcome` is how it was settled (acked, retried, released,
 * rate_limited), or the error settling it failed with; `thrown`, what the handler
 * threw (status ERROR with its message), or null.
 */
export function endJob(span, outcome, thrown) {
  if (span === null) return;
  span.setAttribute('redset.outcome', outcome instanceof Error ? outcomeOf(outcome) : outcome);
  if (thrown !== null) failed(span, thrown);
  span.end();
}
