/**
 * Virtual time for the engine tests: real time plus the waits skipped. The node (its clock module,
 * replaced in a test file by `jest.mock(CLOCK_MODULE, useVirtualTime)`) and the in-process sandbox
 * (sandbox-fixture.ts hands it the same clock) read one clock. Requests, 429s and overlaps stay
 * real: real HTTPS on 127.0.0.1, each request taking the real time it takes. What is skipped is
 * only a wait with nothing else to do: when every wait pending is a wait on this clock, no HTTP
 * request is in flight (client side) and the event loop has been quiet for a few turns, the clock
 * jumps to the end of the earliest wait. A wait also ends by real time, like a real one.
 *
 * So no wait ends early (a node's Retry-After, backoff, pacing, cache lifetime or poll budget is
 * kept in the clock both sides read), and a run's time on this clock is at most what it would have
 * been on the wall: a test asserts the same bounds as on real time, and runs in milliseconds.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

import type { Clock } from '../../nodes/shared/transport/clock';

/** The module the node reads its clock from (for `jest.mock`). */
export const CLOCK_MODULE = '../../nodes/shared/transport/clock';

interface Sleeper {
	at: number;
	seq: number;
	timer: NodeJS.Timeout;
	wake(completed: boolean): void;
}

/** Turns of the event loop with no activity before a wait is skipped. */
const QUIET_TURNS = 3;

export class EngineClock implements Clock {
	/** Milliseconds skipped so far. */
	private skipped = 0;
	private seq = 0;
	private sleepers = new Set<Sleeper>();
	private inFlight = 0;
	/** Changes whenever something happens that may be followed by more (a request, a wait). */
	private activity = 0;
	private checking = false;
	/** While above 0, nothing is skipped: the test acts on real time (it polls, then cancels). */
	private holds = 0;
	/** The sandbox's `slow` and `drip` waits on this clock (see `virtualServerDelays`). */
	private serverDelaysVirtual = false;
	/** Requests in flight whose answer waits on this clock in the sandbox. */
	private parked = 0;
	private readonly onRequest = (message: unknown) => this.track((message as { request: ClientRequest }).request);

	constructor() {
		diagnostics.subscribe('http.client.request.start', this.onRequest);
	}

	now = (): number => Date.now() + this.skipped;

	random = (): number => Math.random();

	sleep = (ms: number, signal?: AbortSignal): Promise<boolean> => {
		if (signal?.aborted) return Promise.resolve(false);
		return new Promise<boolean>((resolve) => {
			const at = this.now() + Math.max(0, ms);
			const sleeper: Sleeper = {
				at,
				seq: this.seq++,
				// Real time may reach the moment first (a request in flight meanwhile, say).
				timer: setTimeout(() => this.wakeWhenDue(sleeper), Math.min(Math.max(0, ms), 2 ** 31 - 1)),
				wake: (completed) => {
					if (!this.sleepers.delete(sleeper)) return;
					clearTimeout(sleeper.timer);
					signal?.removeEventListener('abort', onAbort);
					this.touch();
					resolve(completed);
				},
			};
			sleeper.timer.unref();
			const onAbort = () => sleeper.wake(false);
			signal?.addEventListener('abort', onAbort, { once: true });
			this.sleepers.add(sleeper);
			this.touch();
		});
	};

	/**
	 * How the in-process sandbox waits for `slow` and `drip` faults: in real time (a request in
	 * flight meanwhile, so nothing is skipped), or, after `virtualServerDelays(true)`, on this clock:
	 * then a request whose answer the sandbox holds counts as waiting, and the wait is skipped like
	 * the node's. Only for delays shorter than the node's request timeout, which stays real.
	 */
	delay = (ms: number): Promise<unknown> => {
		if (!this.serverDelaysVirtual) return new Promise((resolve) => setTimeout(resolve, ms).unref());
		this.parked += 1;
		return this.sleep(ms).finally(() => {
			this.parked -= 1;
			this.touch();
		});
	};

	/** Whether the sandbox's `slow` and `drip` waits are on this clock (default: real). */
	virtualServerDelays(on: boolean): void {
		this.serverDelaysVirtual = on;
	}

	/**
	 * Skips no wait until the returned function is called: for a test that acts on what happens
	 * (waits for a 429 in the log, then cancels) with real timers the clock cannot see.
	 */
	holdSkips(): () => void {
		this.holds += 1;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.holds -= 1;
			this.touch();
		};
	}

	/** Stops watching requests (call after the test file). */
	dispose(): void {
		diagnostics.unsubscribe('http.client.request.start', this.onRequest);
		for (const sleeper of this.sleepers) sleeper.wake(false);
	}

	private wakeWhenDue(sleeper: Sleeper): void {
		const left = sleeper.at - this.now();
		if (left <= 0) sleeper.wake(true);
		else sleeper.timer = setTimeout(() => this.wakeWhenDue(sleeper), left).unref();
	}

	private track(request: ClientRequest): void {
		this.inFlight += 1;
		this.touch();
		request.once('close', () => {
			this.inFlight -= 1;
			this.touch();
		});
	}

	private touch(): void {
		this.activity += 1;
		if (this.sleepers.size > 0 && this.inFlight <= this.parked && this.holds === 0) void this.skipWhenIdle();
	}

	/** Jumps to the earliest wait's end once nothing but waits on this clock is left. */
	private async skipWhenIdle(): Promise<void> {
		if (this.checking) return;
		this.checking = true;
		try {
			for (;;) {
				const seen = this.activity;
				for (let turn = 0; turn < QUIET_TURNS; turn++) {
					await new Promise<void>((resolve) => setImmediate(resolve));
					await new Promise<void>((resolve) => setTimeout(resolve, 0));
				}
				if (seen !== this.activity) continue;
				if (this.inFlight > this.parked || this.sleepers.size === 0 || this.holds > 0) return;
				const next = this.earliest()!;
				this.skipped += Math.max(0, next.at - this.now());
				next.wake(true);
			}
		} finally {
			this.checking = false;
		}
	}

	private earliest(): Sleeper | undefined {
		let next: Sleeper | undefined;
		for (const sleeper of this.sleepers) if (!next || sleeper.at < next.at || (sleeper.at === next.at && sleeper.seq < next.seq)) next = sleeper;
		return next;
	}
}

let shared: EngineClock | undefined;

/** The clock of this test file (one per file: jest gives each file its own modules). */
export function engineClock(): EngineClock {
	shared ??= new EngineClock();
	return shared;
}

/** The clock module as the node sees it in a test file on virtual time (`jest.mock(CLOCK_MODULE, useVirtualTime)`). */
export function useVirtualTime() {
	afterAll(() => engineClock().dispose());
	return { systemClock: engineClock() };
}
