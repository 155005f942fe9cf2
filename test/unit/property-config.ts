/**
 * Shared settings of the property-based tests: a fixed seed so every run checks the same cases
 * (change it with FLEXTELL_PROPERTY_SEED to explore others), 1 000 runs per property in `npm test`
 * and 10 000 in `npm run test:fuzz` (or any number with FLEXTELL_PROPERTY_RUNS). fast-check prints the seed and the shrunk counterexample of a
 * failure; run again with that seed to reproduce it.
 */
import fc from 'fast-check';

export const PROPERTY_SEED = Number(process.env.FLEXTELL_PROPERTY_SEED ?? 20261129);
export const PROPERTY_RUNS = Number(process.env.FLEXTELL_PROPERTY_RUNS ?? 1_000);

export function settings<T>(): fc.Parameters<T> {
	return { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS };
}

export async function check<T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>): Promise<void> {
	try {
		await fc.assert(property as fc.IAsyncProperty<T>, settings<T>());
	} catch (error) {
		// The seed again on its own line, with how to rerun, for CI logs.
		(error as Error).message += `\nReproduce with FLEXTELL_PROPERTY_SEED=${PROPERTY_SEED} npm test -- ${expect.getState().testPath ?? ''}`;
		throw error;
	}
}
