// @ts-check
// Runs jest in a child process that trusts a freshly made sandbox certificate. Node reads
// NODE_EXTRA_CA_CERTS only when a process starts, so it cannot be set from inside jest; this is
// also how n8n itself is told to trust the sandbox. Used by `npm test` and by bench/run.js.
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
	const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-cert-'));
	try {
		const { certPath } = makeCertificate(certDir);
		const result = spawnSync(process.execPath, argsFor(certDir), {
			cwd: options.cwd,
			stdio: 'inherit',
			env: {
				...process.env,
				NODE_EXTRA_CA_CERTS: certPath,
				FLEXTELL_SANDBOX_CERT_DIR: certDir,
				N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'silent',
			},
		});
		options.after?.(certDir);
		return result.status ?? 1;
	} finally {
		fs.rmSync(certDir, { recursive: true, force: true });
	}
}

module.exports = { runJestTrustingSandbox, jestBin: require.resolve('jest/bin/jest') };
