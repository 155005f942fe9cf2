#!/usr/bin/env node
// `npm test`: makes the sandbox's TLS certificate first, then runs jest trusting it (see
// with-sandbox-cert.js), and ends with one plain line: "jest: N passed, N failed".
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { jestBin, runJestTrustingSandbox } = require('./with-sandbox-cert');

const summaryOf = (certDir) => path.join(certDir, 'summary.json');
process.exitCode = runJestTrustingSandbox(
	(certDir) => [jestBin, '--json', `--outputFile=${summaryOf(certDir)}`, ...process.argv.slice(2)],
	{ after: (certDir) => printSummary(summaryOf(certDir)) },
);

/** One plain closing line, e.g. "jest: 216 passed, 0 failed", whatever jest's reporter printed. */
function printSummary(file) {
	if (!fs.existsSync(file)) return;
	const summary = JSON.parse(fs.readFileSync(file, 'utf8'));
	const skipped = summary.numPendingTests + summary.numTodoTests;
	console.log(
		`jest: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
	);
}
