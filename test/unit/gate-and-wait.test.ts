import {
	backOffGate,
	endProbe,
	enterGate,
	gateDelay,
	gateKey,
	gateSucceeded,
	holdGate,
	resetGates,
} from '../../nodes/Flextell/transport/rate-gate';
import { waitFor } from '../../nodes/Flextell/transport/wait';

describe('rate gate', () => {
	beforeEach(resetGates);

	it('holds a key until the moment, per credential', () => {
		const key = gateKey('https://x/api', 'cred-1');
		holdGate(key, 10_000);
		expect(gateDelay(key, 7_000)).toBe(3_000);
		expect(gateDelay(gateKey('https://x/api', 'cred-2'), 7_000)).toBe(0);
		expect(gateDelay(key, 10_000)).toBe(0);
		expect(enterGate(key)).toBe('go'); // a Retry-After hold needs no probe
	});

	it('backs off once per rate-limited round, then lets a single probe through', () => {
		const key = gateKey('https://x/api', 'c');
		const step = (level: number) => 1000 * 2 ** level;
		expect(backOffGate(key, 0, step)).toBe(1000);
		// A second 429 of the same round (sent before the first came back) keeps the hold.
		expect(backOffGate(key, 10, step)).toBe(1000);
		expect(enterGate(key)).toBe('probe');
		expect(enterGate(key)).toBe('wait');
		endProbe(key, true); // the probe was rate-limited too: next round, next step
		expect(backOffGate(key, 1100, step)).toBe(1100 + 2000);
		expect(enterGate(key)).toBe('probe');
		endProbe(key, false); // through: everyone goes
		expect(enterGate(key)).toBe('go');
		gateSucceeded(key);
		expect(backOffGate(key, 5000, step)).toBe(6000); // back to the first step
	});

	it('never moves a hold earlier', () => {
		const key = gateKey('https://x/api', 'c');
		holdGate(key, 10_000);
		holdGate(key, 5_000);
		expect(gateDelay(key, 0)).toBe(10_000);
		holdGate(key, 12_000);
		expect(gateDelay(key, 0)).toBe(12_000);
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
