#!/usr/bin/env node
// `node bench/run.js [name]`: runs bench/*.bench.ts (not part of `npm test`) inside jest, with
// the sandbox certificate made first and trusted through NODE_EXTRA_CA_CERTS, as test/run.js does.
// Each benchmark prints its figures as JSON lines (prefixed "BENCH ").
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeCertificate } = require('../sandbox/cert');

const root = path.resolve(__dirname, '..');
const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-cert-'));
try {
	const { certPath } = makeCertificate(certDir);
	const jest = require.resolve('jest/bin/jest');
	const args = [
		'--expose-gc',
		jest,
		'--rootDir', root,
		'--roots', '<rootDir>/bench',
		'--testMatch', '**/*.bench.ts',
		'--testPathIgnorePatterns', '/node_modules/',
		'--runInBand',
		'--testTimeout', '900000',
		...process.argv.slice(2),
	];
	const result = spawnSync(process.execPath, args, {
		cwd: root,
		stdio: 'inherit',
		env: {
			...process.env,
			NODE_EXTRA_CA_CERTS: certPath,
			FLEXTELL_SANDBOX_CERT_DIR: certDir,
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'silent',
		},
	});
	process.exitCode = result.status ?? 1;
} finally {
	fs.rmSync(certDir, { recursive: true, force: true });
}
