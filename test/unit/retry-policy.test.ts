import {
	backoffDelay,
	decideRetry,
	isIdempotent,
	parseRetryAfter,
} from '../../nodes/shared/transport/retry-policy';

const NOW = Date.parse('2026-04-08T10:00:00Z');

describe('parseRetryAfter', () => {
	it.each([
		['30', 30_000],
		[' 2 ', 2_000],
		['0', 0],
		[['5', '9'], 5_000],
		[3, 3_000],
	])('reads delta-seconds %p', (value, ms) => {
		expect(parseRetryAfter(value, NOW)).toBe(ms);
	});

	it('reads an HTTP-date relative to now, and a past date as 0', () => {
		expect(parseRetryAfter('Wed, 08 Apr 2026 10:00:07 GMT', NOW)).toBe(7_000);
		expect(parseRetryAfter('Wed, 08 Apr 2026 09:59:00 GMT', NOW)).toBe(0);
		// RFC 850 and asctime forms are HTTP-dates too.
		expect(parseRetryAfter('Wednesday, 08-Apr-26 10:00:03 GMT', NOW)).toBe(3_000);
	});

	it.each([undefined, null, '', 'soon', '1.5', '-3', '30s', '2026-04-08', {}, [], NaN])(
		'treats the unparsable value %p as absent',
		(value) => {
			expect(parseRetryAfter(value, NOW)).toBeUndefined();
		},
	);
});

describe('backoffDelay', () => {
	it('doubles from about one second, drawing from [step/2, step)', () => {
		expect(backoffDelay(0, () => 0)).toBe(500);
		expect(backoffDelay(0, () => 0.999)).toBeLessThan(1000);
		expect(backoffDelay(1, () => 0)).toBe(1000);
		expect(backoffDelay(3, () => 0)).toBe(4000);
		expect(backoffDelay(3, () => 0.5)).toBe(6000);
	});

	it('is capped', () => {
		expect(backoffDelay(30, () => 0.999)).toBeLessThanOrEqual(60_000);
		expect(backoffDelay(30, () => 0)).toBe(30_000);
	});

	it('never bunches: every draw is at least half its step', () => {
		for (let attempt = 0; attempt < 8; attempt++) {
			const step = Math.min(60_000, 1000 * 2 ** attempt);
			for (let i = 0; i < 50; i++) {
				const d = backoffDelay(attempt, Math.random);
				expect(d).toBeGreaterThanOrEqual(step / 2);
				expect(d).toBeLessThanOrEqual(step);
			}
		}
	});
});

describe('decideRetry', () => {
	const base = { retriesDone: 0, maxRetries: 5, maxWaitMs: 300_000, now: NOW, random: () => 0 };

	it('waits exactly what Retry-After asks on a 429, for any method', () => {
		for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
			expect(decideRetry({ kind: 'http', statusCode: 429, retryAfter: '2' }, { ...base, method })).toEqual({
				retry: true,
				waitMs: 2000,
				fromRetryAfter: true,
			});
		}
	});

	it('backs off when a 429 has no usable Retry-After', () => {
		expect(decideRetry({ kind: 'http', statusCode: 429, retryAfter: 'later' }, { ...base, method: 'GET', retriesDone: 2 })).toEqual({
			retry: true,
			waitMs: 2000,
			fromRetryAfter: false,
		});
	});

	it('fails at once when Retry-After is longer than allowed, instead of retrying early', () => {
		expect(decideRetry({ kind: 'http', statusCode: 429, retryAfter: '600' }, { ...base, method: 'GET' })).toEqual({
			retry: false,
			reason: 'wait-too-long',
			waitMs: 600_000,
			fromRetryAfter: true,
		});
	});

	it('shortens a backoff step to the allowed maximum', () => {
		const decision = decideRetry({ kind: 'http', statusCode: 503 }, { ...base, method: 'GET', retriesDone: 9, maxRetries: 10, maxWaitMs: 5000 });
		expect(decision).toEqual({ retry: true, waitMs: 5000, fromRetryAfter: false });
	});

	it('retries server and network errors for GET, PUT and DELETE only', () => {
		for (const status of [500, 502, 503, 504]) {
			for (const method of ['GET', 'PUT', 'DELETE']) {
				expect(decideRetry({ kind: 'http', statusCode: status }, { ...base, method }).retry).toBe(true);
			}
			for (const method of ['POST', 'PATCH']) {
				expect(decideRetry({ kind: 'http', statusCode: status }, { ...base, method })).toEqual({ retry: false, reason: 'not-retryable' });
			}
		}
		expect(decideRetry({ kind: 'network', code: 'ECONNRESET' }, { ...base, method: 'GET' }).retry).toBe(true);
		expect(decideRetry({ kind: 'network', code: 'ECONNRESET' }, { ...base, method: 'POST' }).retry).toBe(false);
		expect(decideRetry({ kind: 'network', code: 'ECONNABORTED' }, { ...base, method: 'DELETE' }).retry).toBe(true);
	});

	it.each([400, 401, 403, 404, 422, 501])('does not retry HTTP %i', (status) => {
		expect(decideRetry({ kind: 'http', statusCode: status }, { ...base, method: 'GET' }).retry).toBe(false);
	});

	it('does not retry unknown network failures (e.g. certificate errors)', () => {
		expect(decideRetry({ kind: 'network', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, { ...base, method: 'GET' }).retry).toBe(false);
		expect(decideRetry({ kind: 'network' }, { ...base, method: 'GET' }).retry).toBe(false);
	});

	it('stops after maxRetries', () => {
		expect(decideRetry({ kind: 'http', statusCode: 429, retryAfter: '1' }, { ...base, method: 'GET', retriesDone: 5 })).toEqual({
			retry: false,
			reason: 'out-of-retries',
		});
		expect(decideRetry({ kind: 'http', statusCode: 429 }, { ...base, method: 'GET', maxRetries: 0 }).retry).toBe(false);
	});

	it('knows which methods are idempotent', () => {
		expect(['GET', 'put', 'DELETE'].map(isIdempotent)).toEqual([true, true, true]);
		expect(['POST', 'PATCH'].map(isIdempotent)).toEqual([false, false]);
	});
});
