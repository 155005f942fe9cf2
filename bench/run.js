#!/usr/bin/env node
// `npm run bench -- --only paging` (or `node bench/run.js [name]`): runs bench/*.bench.ts (not part
// of `npm test`) inside jest, trusting the sandbox certificate as `npm test` does. Each benchmark
// prints its figures as JSON lines (prefixed "BENCH ").
'use strict';
const path = require('node:path');
const { jestBin, runJestTrustingSandbox } = require('../test/with-sandbox-cert');

const root = path.resolve(__dirname, '..');
process.exitCode = runJestTrustingSandbox(
	() => [
		'--expose-gc',
		jestBin,
		'--rootDir', root,
		'--roots', '<rootDir>/bench',
		'--testMatch', '**/*.bench.ts',
		'--testPathIgnorePatterns', '/node_modules/',
		'--runInBand',
		'--testTimeout', '900000',
		...process.argv.slice(2),
	],
	{ cwd: root },
);
