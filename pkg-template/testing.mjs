// ESM entry of redset/testing.
import testing from './testing.js';

export const { scripted, Scripted } = testing;
export default testing;
