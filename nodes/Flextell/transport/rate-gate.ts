/**
 * The shared 429 gate.
 *
 * Flextell may suspend an account that keeps sending after a 429. One 429 therefore holds back
 * every request this n8n process makes to the same API with the same credential, until the moment
 * Flextell named: items in flight, other Flextell nodes in the workflow, and other executions
 * running at the same time all pass through the gate before sending.
 *
 * When Flextell names no moment (a 429 without Retry-After), the gate backs off exponentially on
 * behalf of everyone (one backoff step per rate-limited round, not one per request), and when the
 * wait is over it lets a single request probe: the others go only once the probe was not
 * rate-limited. That keeps concurrent items from all hitting the limit again at once.
 *
 * State lives in this module, so it is shared by everything the process runs; one small record per
 * (base URL, credential), forgotten once it holds nothing.
 */

interface GateState {
	/** Nobody sends before this moment (epoch ms). */
	notBefore: number;
	/** The hold came from our own backoff: one request probes before the others go. */
	probeNeeded: boolean;
	probing: boolean;
	/** Consecutive rate-limited rounds without Retry-After: the shared backoff step. */
	backoffLevel: number;
}

const gates = new Map<string, GateState>();

export function gateKey(apiHref: string, credentialId: string | undefined): string {
	return `${credentialId ?? 'no-credential-id'} ${apiHref}`;
}

function stateOf(key: string): GateState {
	let state = gates.get(key);
	if (!state) {
		state = { notBefore: 0, probeNeeded: false, probing: false, backoffLevel: 0 };
		gates.set(key, state);
	}
	return state;
}

/** Nobody sends on `key` before `until` (epoch ms). Never moves an existing moment earlier. */
export function holdGate(key: string, until: number): void {
	const state = stateOf(key);
	if (until > state.notBefore) state.notBefore = until;
}

/**
 * A 429 without Retry-After: holds the gate for `wait(level)` ms from `now` and makes the next
 * request a probe. If the gate is already held (another request of the same round got its 429
 * first), the existing hold stands. Returns the moment the gate opens.
 */
export function backOffGate(key: string, now: number, wait: (level: number) => number): number {
	const state = stateOf(key);
	if (state.notBefore > now) return state.notBefore;
	state.notBefore = now + wait(state.backoffLevel);
	state.backoffLevel += 1;
	state.probeNeeded = true;
	return state.notBefore;
}

/** Milliseconds a request on `key` must still wait for the gate's moment (0 when it has passed). */
export function gateDelay(key: string, now: number = Date.now()): number {
	const state = gates.get(key);
	if (state === undefined || state.notBefore <= now) return 0;
	return state.notBefore - now;
}

/**
 * Once the moment has passed: `go` (send), `probe` (send; you are the one request that tests the
 * limit and must call `endProbe`), or `wait` (another request is probing).
 */
export function enterGate(key: string): 'go' | 'probe' | 'wait' {
	const state = gates.get(key);
	if (!state?.probeNeeded) return 'go';
	if (state.probing) return 'wait';
	state.probing = true;
	return 'probe';
}

/** The probe has its answer: if it was not rate-limited, the gate opens for everyone. */
export function endProbe(key: string, rateLimited: boolean): void {
	const state = gates.get(key);
	if (!state) return;
	state.probing = false;
	if (!rateLimited) state.probeNeeded = false;
}

/** A request on `key` succeeded: the backoff starts again from its first step. */
export function gateSucceeded(key: string): void {
	const state = gates.get(key);
	if (state && !state.probing && state.notBefore <= Date.now()) gates.delete(key);
	else if (state) state.backoffLevel = 0;
}

/** For tests: forget every hold. */
export function resetGates(): void {
	gates.clear();
}
