/**
 * A virtual clock for the rules about time (backoff, Retry-After, pacing, cache lifetimes, poll
 * budgets): time moves only when the test moves it (`advance`, `runUntil`) or, in auto mode, when
 * every wait of the code under test is a wait on this clock. No real time passes for a wait.
 */
import type { Clock } from '../nodes/shared/transport/clock';

interface Sleeper {
	at: number;
	seq: number;
	wake(completed: boolean): void;
}

/** Lets every pending promise continuation run (a few turns of the event loop). */
export async function settle(turns = 5): Promise<void> {
	for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
	private time: number;
	private seq = 0;
	private sleepers: Sleeper[] = [];
	/** Every sleep asked for, in ms (what the code under test waited). */
	readonly sleeps: number[] = [];

	constructor(
		start = Date.parse('2026-04-08T10:00:00Z'),
		private readonly draw: () => number = () => 0.5,
	) {
		this.time = start;
	}

	now = (): number => this.time;

	random = (): number => this.draw();

	sleep = (ms: number, signal?: AbortSignal): Promise<boolean> => {
		this.sleeps.push(ms);
		if (signal?.aborted) return Promise.resolve(false);
		return new Promise<boolean>((resolve) => {
			const sleeper: Sleeper = {
				at: this.time + Math.max(0, ms),
				seq: this.seq++,
				wake: (completed) => {
					signal?.removeEventListener('abort', onAbort);
					this.sleepers = this.sleepers.filter((s) => s !== sleeper);
					resolve(completed);
				},
			};
			const onAbort = () => sleeper.wake(false);
			signal?.addEventListener('abort', onAbort, { once: true });
			this.sleepers.push(sleeper);
		});
	};

	/** Waits still pending. */
	get pending(): number {
		return this.sleepers.length;
	}

	/** Moves time forward by `ms`, waking each due wait at its own moment, in order. */
	async advance(ms: number): Promise<void> {
		const until = this.time + ms;
		for (;;) {
			await settle();
			const next = this.nextSleeper();
			if (!next || next.at > until) break;
			this.time = Math.max(this.time, next.at);
			next.wake(true);
		}
		this.time = until;
		await settle();
	}

	/**
	 * Runs `work` to its end, jumping time to the next wait whenever the work has nothing else to
	 * do. Only for code whose every wait is on this clock (no real I/O in flight).
	 */
	async run<T>(work: Promise<T>): Promise<T> {
		let done = false;
		const watched = work.finally(() => {
			done = true;
		});
		watched.catch(() => {});
		for (;;) {
			await settle();
			if (done) return await watched;
			const next = this.nextSleeper();
			if (!next) {
				await settle(20);
				if (done) return await watched;
				if (!this.nextSleeper()) throw new Error('VirtualClock.run: the work waits on something other than this clock');
				continue;
			}
			this.time = Math.max(this.time, next.at);
			next.wake(true);
		}
	}

	private nextSleeper(): Sleeper | undefined {
		let next: Sleeper | undefined;
		for (const sleeper of this.sleepers) if (!next || sleeper.at < next.at || (sleeper.at === next.at && sleeper.seq < next.seq)) next = sleeper;
		return next;
	}
}

/** A clock that reads `read()` and must never be waited on (for tests that move time by hand). */
export function clockReading(read: () => number): Clock {
	return {
		now: read,
		random: () => 0.5,
		sleep: () => Promise.reject(new Error('this test moves time by hand and expects no wait')),
	};
}
