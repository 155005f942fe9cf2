import { sleep } from 'n8n-workflow';

// Waits are taken in slices so a cancelled execution stops waiting within a slice, using only
// n8n-workflow's `sleep` (no timers of our own in shipped code) and leaving no timer behind.
const SLICE_MS = 250;

/**
 * Waits `ms` milliseconds (never less), or until `signal` aborts.
 * Resolves true when the wait completed, false when it was cancelled.
 */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<boolean> {
	const until = Date.now() + ms;
	for (let left = ms; left > 0; left = until - Date.now()) {
		if (signal?.aborted) return false;
		await sleep(Math.min(SLICE_MS, left));
	}
	return !signal?.aborted;
}
