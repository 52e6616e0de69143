// Serializers: the JSON one the package ships, the default (strings), and how a set's
// serializer is handed to the core (the two built-in ones run inside wasm).

/** Items as JSON: the counterpart of the Rust crate's `Json<T>`. */
export class JsonSerializer {
  dumps(item) {
    return JSON.stringify(item);
  }
  loads(text) {
    return JSON.parse(text);
  }
}

/** The default: items are strings; anything else is cast with `String()`. */
const STRINGS = Object.freeze({
  dumps: String,
  loads(text) {
    if (typeof text !== 'string') throw new TypeError('member is not valid UTF-8');
    return text;
  },
});

/**
 * The serializer as the core takes it: "strings" (the default) and "json" (a plain
 * `JsonSerializer`) run inside wasm without a JS call per item; as in the original, a
 * serializer object without `dumps` or `loads` falls back to strings for that side
 * (`serializer=object()` stores `str(item)`).
 */
export function serializerSpec(serializer) {
  if (serializer == null || serializer === STRINGS) return 'strings';
  if (serializer.dumps === JsonSerializer.prototype.dumps && serializer.loads === JsonSerializer.prototype.loads) {
    return 'json';
  }
  const { dumps, loads } = serializer;
  if (dumps != null && loads != null) return serializer;
  return {
    dumps: dumps == null ? String : (item) => serializer.dumps(item),
    loads: loads == null ? STRINGS.loads : (text) => serializer.loads(text),
  };
}
