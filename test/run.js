#!/usr/bin/env node
// `npm test`: makes the sandbox's TLS certificate first, then runs jest trusting it (see
// with-sandbox-cert.js), and ends with one plain line: "jest: N passed, N failed" (from
// summary-reporter.js, so no results file is written, announced and deleted).
'use strict';
const path = require('node:path');
const { jestBin, runJestTrustingSandbox } = require('./with-sandbox-cert');

// Last: --reporters takes a list and would swallow test paths that came after it.
const reporters = ['--reporters=default', `--reporters=${path.join(__dirname, 'summary-reporter.js')}`];
process.exitCode = runJestTrustingSandbox(() => [jestBin, ...process.argv.slice(2), ...reporters]);
