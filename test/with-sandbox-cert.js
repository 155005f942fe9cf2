// @ts-check
// Runs jest in a child process that trusts a freshly made sandbox certificate. Node reads
// NODE_EXTRA_CA_CERTS only when a process starts, so it cannot be set from inside jest; this is
// also how n8n itself is told to trust the sandbox. Used by `npm test` and by bench/run.js.
// The child's temp folder (TMPDIR) is one folder of this run, removed at the end with the
// certificate in it: what the tests make there (n8n user folders, …) goes with it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeCertificate } = require('../sandbox/cert');

/**
 * @param {(certDir: string) => string[]} argsFor  node arguments (jest's path included), given the cert folder
 * @param {{ cwd?: string, after?: (certDir: string) => void }} [options]  `after` runs before the folder is removed
 * @returns {number} the exit code
 */
function runJestTrustingSandbox(argsFor, options = {}) {
	const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-test-'));
	const certDir = path.join(runDir, 'cert');
	const tmpDir = path.join(runDir, 'tmp');
	fs.mkdirSync(certDir);
	fs.mkdirSync(tmpDir);
	try {
		const { certPath } = makeCertificate(certDir);
		const result = spawnSync(process.execPath, argsFor(certDir), {
			cwd: options.cwd,
			stdio: 'inherit',
			env: {
				...process.env,
				TMPDIR: tmpDir,
				NODE_EXTRA_CA_CERTS: certPath,
				FLEXTELL_SANDBOX_CERT_DIR: certDir,
				N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'silent',
			},
		});
		options.after?.(certDir);
		return result.status ?? 1;
	} finally {
		fs.rmSync(runDir, { recursive: true, force: true });
	}
}

module.exports = { runJestTrustingSandbox, jestBin: require.resolve('jest/bin/jest') };
