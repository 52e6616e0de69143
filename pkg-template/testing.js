'use strict';
// redset/testing for require(): the ES module itself (see testing.mjs).
module.exports = require('./testing.mjs').default;
