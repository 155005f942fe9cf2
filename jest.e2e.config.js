/** Jest config for the end-to-end suite against a real n8n (npm run test:e2e → test/e2e/run.js). */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.js'],
	maxWorkers: 1,
	testTimeout: 180000,
	verbose: true,
	// Not under the system temp folder (jest's default, /tmp/jest_0): CI's before/after listing of it
	// fails on anything left, and on a fresh machine that folder is new.
	cacheDirectory: '<rootDir>/node_modules/.cache/jest-e2e',
};
