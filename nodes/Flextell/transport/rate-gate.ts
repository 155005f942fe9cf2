/**
 * The shared 429 gate.
 *
 * Flextell may suspend an account that keeps sending after a 429. One 429 therefore holds back
 * every request this n8n process makes to the same API with the same credential, until the moment
 * Flextell named: items in flight, other Flextell nodes in the workflow, and other executions
 * running at the same time all pass through the gate before sending.
 *
 * State lives in this module, so it is shared by everything the process runs; it holds one
 * timestamp per (base URL, credential) and forgets entries once they are in the past.
 */

const notBefore = new Map<string, number>();

export function gateKey(apiHref: string, credentialId: string | undefined): string {
	return `${credentialId ?? 'no-credential-id'} ${apiHref}`;
}

/** Nobody sends on `key` before `until` (epoch ms). Never moves an existing moment earlier. */
export function holdGate(key: string, until: number): void {
	const current = notBefore.get(key) ?? 0;
	if (until > current) notBefore.set(key, until);
}

/** Milliseconds a request on `key` must still wait (0 when the gate is open). */
export function gateDelay(key: string, now: number = Date.now()): number {
	const until = notBefore.get(key);
	if (until === undefined) return 0;
	if (until <= now) {
		notBefore.delete(key);
		return 0;
	}
	return until - now;
}

/** For tests: forget every hold. */
export function resetGates(): void {
	notBefore.clear();
}
