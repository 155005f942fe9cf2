import { gateDelay, gateKey, holdGate, resetGates } from '../../nodes/Flextell/transport/rate-gate';
import { waitFor } from '../../nodes/Flextell/transport/wait';

describe('rate gate', () => {
	beforeEach(resetGates);

	it('holds a key until the moment and then forgets it', () => {
		const key = gateKey('https://x/api', 'cred-1');
		holdGate(key, 10_000);
		expect(gateDelay(key, 7_000)).toBe(3_000);
		expect(gateDelay(gateKey('https://x/api', 'cred-2'), 7_000)).toBe(0);
		expect(gateDelay(key, 10_000)).toBe(0);
		expect(gateDelay(key, 9_000)).toBe(0); // forgotten once passed
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
