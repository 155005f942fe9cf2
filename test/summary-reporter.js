// @ts-check
// A jest reporter that ends the run with one plain line, e.g. "jest: 216 passed, 0 failed",
// whatever the default reporters printed above it (on stderr, where jest reports).
// `npm test` adds it to jest's default reporters.
'use strict';

class SummaryReporter {
	/**
	 * @param {unknown} _contexts
	 * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number }} results
	 */
	onRunComplete(_contexts, results) {
		const skipped = results.numPendingTests + results.numTodoTests;
		const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
		// jest's own summary reporter runs after the custom ones: print when the process ends.
		process.once('exit', () => process.stderr.write(line));
	}
}

module.exports = SummaryReporter;
