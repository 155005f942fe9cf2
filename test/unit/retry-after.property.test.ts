/**
 * Retry-After, for any header value: the parsed wait is never NaN, negative or above the cap; garbage
 * counts as absent; and the wait a retry decision takes is never above the Max Wait cap (a longer
 * Retry-After fails the request instead of being shortened).
 */
import fc from 'fast-check';

import { decideRetry, parseRetryAfter, RETRY_AFTER_CAP_MS } from '../../nodes/shared/transport/retry-policy';
import { check } from './property-config';

const NOW = Date.UTC(2026, 10, 29, 4, 0, 0);

const httpDate = fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toUTCString());
const digits = fc.oneof(fc.nat().map(String), fc.stringMatching(/^\d{1,400}$/));
const decorated = fc
	.tuple(fc.constantFrom('', ' ', '\t', '-', '+', '0x', '1e', '.5', 's', ' sec', ';'), fc.oneof(digits, httpDate), fc.constantFrom('', ' ', 's', '.0', 'e3', ',1'))
	.map(([a, b, c]) => `${a}${b}${c}`);
const headerValue = fc.oneof(
	digits,
	httpDate,
	decorated,
	fc.string(),
	fc.double(),
	fc.integer(),
	fc.array(fc.oneof(digits, fc.string()), { maxLength: 2 }),
	fc.constantFrom(undefined, null, true, {}, 'NaN', 'Infinity', '-1', '1.5', '30s', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Mon, 99 Foo 2026 99:99:99 GMT'),
);

/** Values a server can mean as a wait: whole seconds, or an HTTP-date. */
function isWellFormed(value: unknown): boolean {
	const raw = Array.isArray(value) ? value[0] : value;
	if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0;
	if (typeof raw !== 'string') return false;
	const text = raw.trim();
	return /^\d+$/.test(text) || (!Number.isNaN(Date.parse(text)) && /[A-Za-z]{3}/.test(text) && /\d{1,2}:\d{2}:\d{2}/.test(text));
}

describe('Retry-After (property-based)', () => {
	it('parses to a finite wait >= 0, or to absent; anything not well-formed is absent', async () => {
		await check(
			fc.property(headerValue, (value) => {
				const ms = parseRetryAfter(value, NOW);
				if (ms === undefined) return;
				expect(Number.isFinite(ms)).toBe(true);
				expect(ms).toBeGreaterThanOrEqual(0);
				expect(ms).toBeLessThanOrEqual(RETRY_AFTER_CAP_MS);
				expect(isWellFormed(value)).toBe(true);
			}),
		);
	});

	it('a retry never waits NaN, less than 0 or more than Max Wait, and a longer Retry-After is never shortened', async () => {
		await check(
			fc.property(
				headerValue,
				fc.integer({ min: 1, max: 3600 }),
				fc.integer({ min: 0, max: 10 }),
				fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
				(value, maxWaitSeconds, retriesDone, draw) => {
					const decision = decideRetry(
						{ kind: 'http', statusCode: 429, retryAfter: value },
						{ method: 'POST', retriesDone, maxRetries: 10, maxWaitMs: maxWaitSeconds * 1000, now: NOW, random: () => draw },
					);
					const asked = parseRetryAfter(value, NOW);
					if (!decision.retry) {
						if (decision.reason === 'wait-too-long') expect(asked).toBeGreaterThan(maxWaitSeconds * 1000);
						else expect(decision.reason).toBe('out-of-retries');
						return;
					}
					expect(Number.isFinite(decision.waitMs)).toBe(true);
					expect(decision.waitMs).toBeGreaterThanOrEqual(0);
					expect(decision.waitMs).toBeLessThanOrEqual(maxWaitSeconds * 1000);
					if (asked !== undefined) expect(decision.waitMs).toBe(asked);
				},
			),
		);
	});
});
