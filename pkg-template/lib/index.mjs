// The package's public names, for the entries (../index.mjs, ../workerd.mjs) to export
// once they have set the wasm binding.

import { JsonSerializer } from './serializers.mjs';
import {
  ConnectionError, KeyError, LeaseLost, LockTimeout, NotReplicated, ProtocolError, RateLimited, RedsetError,
  ReplyError, SerializerError, TimeoutError,
} from './errors.mjs';
import { ScheduledSet, SortedSet, TimeSortedSet } from './sets.mjs';

export {
  SortedSet, TimeSortedSet, ScheduledSet, JsonSerializer, RedsetError, KeyError, ReplyError, ConnectionError,
  ProtocolError, SerializerError, LockTimeout, LeaseLost, NotReplicated, TimeoutError, RateLimited,
};

export default {
  SortedSet, TimeSortedSet, ScheduledSet, JsonSerializer, RedsetError, KeyError, ReplyError, ConnectionError,
  ProtocolError, SerializerError, LockTimeout, LeaseLost, NotReplicated, TimeoutError, RateLimited,
};
