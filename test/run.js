#!/usr/bin/env node
// `npm test`: makes the sandbox's TLS certificate first, then runs jest trusting it (see
// with-sandbox-cert.js), and ends with one plain line: "jest: N passed, N failed" (from
// summary-reporter.js, so no results file is written, announced and deleted).
// `npm run test:fuzz` (--fuzz): the property tests only, at 10 000 runs each.
//
// Every temp folder of the run (the certificate, each test file's n8n user folder, anything a test
// makes under the system temp folder) lies in one folder this script removes at the end; a
// before/after listing of the system temp folder names anything left beside it.
'use strict';
const path = require('node:path');
const { jestBin, runJestTrustingSandbox } = require('./with-sandbox-cert');
const { newTempEntries, tempListing } = require('./temp-listing');

const args = process.argv.slice(2);
const fuzz = args.includes('--fuzz');
const jestArgs = args.filter((arg) => arg !== '--fuzz');
if (fuzz) {
	process.env.FLEXTELL_PROPERTY_RUNS = process.env.FLEXTELL_PROPERTY_RUNS ?? '10000';
	jestArgs.push('--testPathPatterns', 'property\\.test\\.ts$');
}

// Last: --reporters takes a list and would swallow test paths that came after it.
const reporters = ['--reporters=default', `--reporters=${path.join(__dirname, 'summary-reporter.js')}`];
const before = tempListing();
process.exitCode = runJestTrustingSandbox(() => [jestBin, ...jestArgs, ...reporters]);
const left = newTempEntries(before);
if (left.length) process.stderr.write(`npm test: the system temp folder has new entries (this run's, or another process's): ${left.join(', ')}\n`);
