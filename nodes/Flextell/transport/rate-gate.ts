/**
 * The shared 429 gate.
 *
 * Flextell may suspend an account that keeps sending after a 429. One 429 therefore holds back
 * every request this n8n process makes to the same API with the same credential, until the moment
 * Flextell named: items in flight, other Flextell nodes in the workflow, and other executions
 * running at the same time all pass through the same gate before sending.
 *
 * When Flextell names no moment (a 429 without Retry-After), the gate backs off exponentially on
 * behalf of everyone (one backoff step per rate-limited round, not one per request), and when the
 * wait is over it lets a single request probe: the others go only once the probe was not
 * rate-limited. That keeps concurrent items from all hitting the limit again at once.
 *
 * A `RateGate` is a plain object (tests build their own); `rateGates` hands out the one gate per
 * (credential, API) that everything in the process shares.
 */
import { waitFor } from './wait';

/** How often a request waiting for another's probe looks again. */
const PROBE_POLL_MS = 50;

export type GateTurn = 'go' | 'probe';

/** How passing the gate ended: a turn to send, a hold longer than allowed, or a cancellation. */
export type GatePass =
	| { kind: 'turn'; turn: GateTurn }
	| { kind: 'too-long'; delayMs: number }
	/** Waiting `delayMs` (or for another request's probe) would end past the caller's deadline. */
	| { kind: 'past-deadline'; delayMs: number; probing: boolean }
	| { kind: 'cancelled' };

export class RateGate {
	/** Nobody sends before this moment (epoch ms). */
	private notBefore = 0;
	/** The hold came from our own backoff: one request probes before the others go. */
	private probeNeeded = false;
	private probing = false;
	/** Consecutive rate-limited rounds without Retry-After: the shared backoff step. */
	private backoffLevel = 0;

	constructor(private readonly clock: () => number = Date.now) {}

	/** Nobody sends before `until` (epoch ms). Never moves an existing moment earlier. */
	hold(until: number): void {
		if (until > this.notBefore) this.notBefore = until;
	}

	/**
	 * A 429 without Retry-After: holds the gate for `wait(level)` ms from `now` and makes the next
	 * request a probe. If the gate is already held (another request of the same round got its 429
	 * first), the existing hold stands. Returns the moment the gate opens.
	 */
	backOff(now: number, wait: (level: number) => number): number {
		if (this.notBefore > now) return this.notBefore;
		this.notBefore = now + wait(this.backoffLevel);
		this.backoffLevel += 1;
		this.probeNeeded = true;
		return this.notBefore;
	}

	/** Milliseconds a request must still wait for the gate's moment (0 when it has passed). */
	delay(now: number = this.clock()): number {
		return Math.max(0, this.notBefore - now);
	}

	/**
	 * Once the moment has passed: `go` (send), `probe` (send; you are the one request that tests the
	 * limit, and `finished` must hear how it went), or `wait` (another request is probing).
	 */
	enter(): GateTurn | 'wait' {
		if (!this.probeNeeded) return 'go';
		if (this.probing) return 'wait';
		this.probing = true;
		return 'probe';
	}

	/** A request that passed with `turn` has its answer. */
	finished(turn: GateTurn, outcome: { rateLimited: boolean; succeeded: boolean }): void {
		if (turn === 'probe') {
			this.probing = false;
			// Not rate-limited: the limit is open again, the gate opens for everyone.
			if (!outcome.rateLimited) this.probeNeeded = false;
		}
		if (outcome.succeeded) {
			// The backoff starts again from its first step; a success also ends a pending probe round.
			if (!this.probing && this.notBefore <= this.clock()) this.probeNeeded = false;
			this.backoffLevel = 0;
		}
	}

	/**
	 * Waits until this request may send: past the held moment, and, after a backoff, until the
	 * probing request got through. Gives up when the gate holds longer than `maxWaitMs`, or when a
	 * wait would end after `deadline` (epoch ms).
	 */
	async pass(maxWaitMs: number, signal?: AbortSignal, deadline = Infinity): Promise<GatePass> {
		const giveUpAt = this.clock() + maxWaitMs;
		for (;;) {
			const delay = this.delay();
			if (delay > maxWaitMs) return { kind: 'too-long', delayMs: delay };
			if (delay > 0) {
				if (this.clock() + delay > deadline) return { kind: 'past-deadline', delayMs: delay, probing: false };
				if (!(await waitFor(delay, signal))) return { kind: 'cancelled' };
				continue;
			}
			const turn = this.enter();
			if (turn !== 'wait') return { kind: 'turn', turn };
			// Another request is testing the limit: its answer (bounded by its timeout) decides.
			if (this.clock() > giveUpAt) return { kind: 'too-long', delayMs: maxWaitMs };
			if (this.clock() + PROBE_POLL_MS > deadline) return { kind: 'past-deadline', delayMs: PROBE_POLL_MS, probing: true };
			if (!(await waitFor(PROBE_POLL_MS, signal))) return { kind: 'cancelled' };
		}
	}
}

export function gateKey(apiHref: string, credentialId: string | undefined): string {
	return `${credentialId ?? 'no-credential-id'} ${apiHref}`;
}

/**
 * Hands out one gate per key. Gates are kept for the life of the process (one small object per
 * credential and API), so what a gate holds is never lost while a request still uses it.
 */
export class GateRegistry {
	private readonly gates = new Map<string, RateGate>();

	constructor(private readonly clock: () => number = Date.now) {}

	gateFor(key: string): RateGate {
		let gate = this.gates.get(key);
		if (!gate) {
			gate = new RateGate(this.clock);
			this.gates.set(key, gate);
		}
		return gate;
	}

	/** Forgets every gate (a new process, as far as the rate limit is concerned). */
	clear(): void {
		this.gates.clear();
	}
}

/** The gates everything in this n8n process shares. */
export const rateGates = new GateRegistry();
