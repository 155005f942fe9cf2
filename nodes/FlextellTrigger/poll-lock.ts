/**
 * At most one poll of a trigger at a time in this n8n process (the lock table lives in memory).
 *
 * n8n's scheduler starts a poll on every tick of the Poll Times, also while the previous poll of
 * the same trigger is still running (waiting for a Retry-After, retrying, paging). Two polls
 * reading the same watermark would emit the same records twice, so a poll that finds another
 * one of its trigger running ends at once. Triggers run in n8n's main process only (in queue
 * mode too), so state in this module is the right scope: one entry per running poll.
 */

const running = new Map<string, object>();

/** The lock key of a trigger: its workflow and its node. */
export function pollLockKey(workflowId: string | undefined, nodeId: string): string {
	return JSON.stringify([workflowId ?? '', nodeId]);
}

/**
 * Claims the trigger's poll. Returns the release function, or undefined when another poll of the
 * trigger holds it. Releasing twice, or after `resetPollLocks`, frees only the caller's own claim.
 */
export function claimPoll(key: string): (() => void) | undefined {
	if (running.has(key)) return undefined;
	const claim = {};
	running.set(key, claim);
	return () => {
		if (running.get(key) === claim) running.delete(key);
	};
}

/** For tests: forget every claim (as a restarted process would). */
export function resetPollLocks(): void {
	running.clear();
}
