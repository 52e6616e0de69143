// ESM entry: the package is CommonJS (wasm-bindgen's nodejs target); this re-exports it.
import redset from './index.js';

export const {
  SortedSet,
  TimeSortedSet,
  ScheduledSet,
  JsonSerializer,
  RedsetError,
  KeyError,
  ReplyError,
  ConnectionError,
  ProtocolError,
  SerializerError,
  LockTimeout,
  LeaseLost,
  NotReplicated,
  TimeoutError,
  RateLimited,
} = redset;
export default redset;
