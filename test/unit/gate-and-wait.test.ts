import { GateRegistry, gateKey, RateGate } from '../../nodes/shared/transport/rate-gate';
import { systemClock } from '../../nodes/shared/transport/clock';
import { clockReading, VirtualClock } from '../virtual-clock';

describe('rate gate', () => {
	const succeeded = { rateLimited: false, succeeded: true };
	const probe = { turn: 'probe' as const, seq: 0, startedAt: 0 };

	it('holds a key until the moment, per credential', () => {
		const gates = new GateRegistry();
		const gate = gates.gateFor(gateKey('https://x/api', 'cred-1'));
		gate.hold(10_000);
		expect(gate.delay(7_000)).toBe(3_000);
		expect(gates.gateFor(gateKey('https://x/api', 'cred-2')).delay(7_000)).toBe(0);
		expect(gates.gateFor(gateKey('https://x/api', 'cred-1'))).toBe(gate);
		expect(gate.delay(10_000)).toBe(0);
		expect(gate.enter()).toBe('go'); // a Retry-After hold needs no probe
	});

	it('backs off once per rate-limited round, then lets a single probe through', () => {
		let now = 0;
		const gate = new RateGate(clockReading(() => now));
		const step = (level: number) => 1000 * 2 ** level;
		expect(gate.backOff(0, step)).toBe(1000);
		// A second 429 of the same round (sent before the first came back) keeps the hold.
		expect(gate.backOff(10, step)).toBe(1000);
		expect(gate.enter()).toBe('probe');
		expect(gate.enter()).toBe('wait');
		gate.answered(probe, { rateLimited: true, succeeded: false }); // the probe was rate-limited too: next round, next step
		expect(gate.backOff(1100, step)).toBe(1100 + 2000);
		expect(gate.enter()).toBe('probe');
		now = 3200;
		gate.answered(probe, succeeded); // through: everyone goes
		expect(gate.enter()).toBe('go');
		expect(gate.backOff(5000, step)).toBe(6000); // back to the first step
	});

	it('never moves a hold earlier', () => {
		const gate = new RateGate();
		gate.hold(10_000);
		gate.hold(5_000);
		expect(gate.delay(0)).toBe(10_000);
		gate.hold(12_000);
		expect(gate.delay(0)).toBe(12_000);
	});
});

describe('the gate wakes requests held by answers in flight', () => {
	const allowance = (remaining: number, resetAt: number) => ({ remaining, resetAt, style: 'x' as const });

	it('a request held until an answer in flight comes starts when that answer settles, with no polling', async () => {
		const clock = new VirtualClock(1000);
		const gate = new RateGate(clock);
		gate.estimator.rateLimited(0, 1000, 1000); // a 429 just now: no rise of the estimate for a while
		gate.estimator.estimate = { perWindow: 1, windowMs: 1000 };
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		// The one place of the window is taken by a request in flight: only its answer says when the next may go.
		expect(gate.holdOf().delayMs).toBe(Infinity);
		let second: Awaited<ReturnType<RateGate['pass']>> | undefined;
		const passing = gate.pass(10_000).then((pass) => (second = pass));
		await clock.advance(5_000);
		expect(second).toBeUndefined();
		expect(clock.sleeps).toHaveLength(1); // one wait, not a look every few milliseconds
		gate.answered(first.ticket, { rateLimited: false, succeeded: true });
		// The answer moved the hold to a window after it: the held request waits that long, then goes.
		await clock.advance(0);
		expect(second).toBeUndefined();
		await clock.advance(2_000);
		await passing;
		expect(second).toMatchObject({ kind: 'turn' });
		expect(clock.now() - 6_000).toBeGreaterThanOrEqual(1000);
	});

	it('the others wait for the request that finds out what a new allowance window allows', async () => {
		const clock = new VirtualClock(1000);
		const gate = new RateGate(clock);
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 2000) }, clock.now());
		await clock.advance(1000);
		const scout = await gate.pass(10_000);
		if (scout.kind !== 'turn') throw new Error('no turn');
		let other: Awaited<ReturnType<RateGate['pass']>> | undefined;
		void gate.pass(10_000).then((pass) => (other = pass));
		await clock.advance(3_000);
		expect(other).toBeUndefined();
		gate.answered(scout.ticket, { rateLimited: false, succeeded: true, allowance: allowance(5, 10_000) }, clock.now());
		await clock.advance(0);
		expect(other).toMatchObject({ kind: 'turn', waitedMs: 3_000 });
	});

	it('requests waiting for a probe go when the probe gets through, and a cancelled wait ends at once', async () => {
		const clock = new VirtualClock(0);
		const gate = new RateGate(clock);
		gate.backOff(0, () => 1000);
		const probing = gate.pass(10_000);
		await clock.advance(1000);
		const probe = await probing;
		expect(probe).toMatchObject({ kind: 'turn', turn: 'probe' });
		const results: string[] = [];
		void gate.pass(10_000).then((pass) => results.push(pass.kind));
		const controller = new AbortController();
		void gate.pass(10_000, controller.signal).then((pass) => results.push(pass.kind));
		await clock.advance(500);
		controller.abort();
		await clock.advance(0);
		expect(results).toEqual(['cancelled']);
		if (probe.kind !== 'turn') throw new Error('no turn');
		gate.answered(probe.ticket, { rateLimited: false, succeeded: true });
		await clock.advance(0);
		expect(results).toEqual(['cancelled', 'turn']);
	});
});

describe('the system clock (real time)', () => {
	it('waits at least the time asked', async () => {
		const start = performance.now();
		await expect(systemClock.sleep(120)).resolves.toBe(true);
		expect(performance.now() - start).toBeGreaterThanOrEqual(119);
	});

	it('stops at once when the signal aborts', async () => {
		const controller = new AbortController();
		const start = performance.now();
		const waiting = systemClock.sleep(60_000, controller.signal);
		setTimeout(() => controller.abort(), 20);
		await expect(waiting).resolves.toBe(false);
		expect(performance.now() - start).toBeLessThan(1000);
	});
});
