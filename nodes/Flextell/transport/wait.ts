import { sleep } from 'n8n-workflow';

/** Raised when the execution is cancelled while the node waits. */
export class WaitCancelledError extends Error {
	constructor() {
		super('The execution was cancelled while waiting to retry');
		this.name = 'WaitCancelledError';
	}
}

// Waits are taken in slices so a cancelled execution stops waiting within a slice, using only
// n8n-workflow's `sleep` (no timers of our own in shipped code) and leaving no timer behind.
const SLICE_MS = 250;

/** Waits `ms` milliseconds (never less), or until `signal` aborts. */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
	const until = Date.now() + ms;
	for (let left = ms; left > 0; left = until - Date.now()) {
		if (signal?.aborted) throw new WaitCancelledError();
		await sleep(Math.min(SLICE_MS, left));
	}
	if (signal?.aborted) throw new WaitCancelledError();
}
