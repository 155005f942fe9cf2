#!/usr/bin/env node
// `npm test`: makes the sandbox's TLS certificate first, then runs jest with
// NODE_EXTRA_CA_CERTS pointing at it. Node reads that variable only when a process starts, so it
// cannot be set from inside jest; this is also how n8n itself is told to trust the sandbox.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeCertificate } = require('../sandbox/cert');

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-test-cert-'));
const summaryFile = path.join(certDir, 'summary.json');
try {
	const { certPath } = makeCertificate(certDir);
	const jest = require.resolve('jest/bin/jest');
	const args = [jest, '--json', `--outputFile=${summaryFile}`, ...process.argv.slice(2)];
	const result = spawnSync(process.execPath, args, {
		stdio: 'inherit',
		env: {
			...process.env,
			NODE_EXTRA_CA_CERTS: certPath,
			FLEXTELL_SANDBOX_CERT_DIR: certDir,
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'silent',
		},
	});
	process.exitCode = result.status ?? 1;
	printSummary(summaryFile);
} finally {
	fs.rmSync(certDir, { recursive: true, force: true });
}

/** One plain closing line, e.g. "jest: 216 passed, 0 failed", whatever jest's reporter printed. */
function printSummary(file) {
	if (!fs.existsSync(file)) return;
	const summary = JSON.parse(fs.readFileSync(file, 'utf8'));
	const skipped = summary.numPendingTests + summary.numTodoTests;
	console.log(
		`jest: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
	);
}
