/**
 * Time and chance for everything in nodes/: what time it is, waiting, and the random draw of a
 * backoff's jitter. The nodes use `systemClock`; a test hands a call (CallPolicy's `clock`) or a
 * gate its own clock, so the rules about time run on a virtual one, in milliseconds.
 *
 * The system clock waits with n8n-workflow's `sleep` only (no timers of our own in shipped code),
 * in slices, so a wait that is cancelled leaves at most one slice's timer behind.
 */
import { sleep } from 'n8n-workflow';

export interface Clock {
	/** Epoch milliseconds. */
	now(): number;
	/**
	 * Waits `ms` milliseconds (never less), or until `signal` aborts (at once).
	 * Resolves true when the wait completed, false when it was cancelled.
	 */
	sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
	/** A number in [0, 1). */
	random(): number;
}

const SLICE_MS = 250;

async function sliceOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return await sleep(ms);
	let onAbort: () => void = () => {};
	try {
		await Promise.race([
			sleep(ms),
			new Promise<void>((resolve) => {
				onAbort = () => resolve();
				signal.addEventListener('abort', onAbort, { once: true });
			}),
		]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

export const systemClock: Clock = {
	now: () => Date.now(),
	random: () => Math.random(),
	async sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
		const until = Date.now() + ms;
		for (let left = ms; left > 0; left = until - Date.now()) {
			if (signal?.aborted) return false;
			await sliceOrAbort(Math.min(SLICE_MS, left), signal);
		}
		return !signal?.aborted;
	},
};
