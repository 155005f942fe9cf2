/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts', '**/*.test.js'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	setupFiles: ['<rootDir>/test/setup-env.js'],
	setupFilesAfterEnv: ['<rootDir>/test/cleanup-env.js'],
	testTimeout: 30000,
	// Both cores: the tests wait on virtual time, so two files side by side do not slow each other's clocks.
	maxWorkers: 2,
	// Not under the system temp folder: `npm test` leaves nothing there (test/run.js checks).
	cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
