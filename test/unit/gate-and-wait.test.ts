import { GateRegistry, gateKey, RateGate } from '../../nodes/shared/transport/rate-gate';
import { waitFor } from '../../nodes/shared/transport/wait';

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
		const gate = new RateGate(() => now);
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

describe('waitFor', () => {
	it('waits at least the time asked', async () => {
		const start = performance.now();
		await expect(waitFor(120)).resolves.toBe(true);
		expect(performance.now() - start).toBeGreaterThanOrEqual(119);
	});

	it('stops early when the signal aborts', async () => {
		const controller = new AbortController();
		const start = performance.now();
		const waiting = waitFor(60_000, controller.signal);
		controller.abort();
		await expect(waiting).resolves.toBe(false);
		expect(performance.now() - start).toBeLessThan(1000);
	});
});
