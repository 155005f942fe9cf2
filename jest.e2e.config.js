/** Jest config for the end-to-end suite against a real n8n (npm run test:e2e → test/e2e/run.js). */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.js'],
	maxWorkers: 1,
	testTimeout: 180000,
	verbose: true,
};
