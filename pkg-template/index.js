'use strict';
// The entry for Node's require(): the ESM entry itself (require of an ES module, Node
// 20.19+ and 22.12+), so that require and import give the same classes.
module.exports = require('./index.mjs').default;
