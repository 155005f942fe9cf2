/**
 * When to retry a Flextell request, and how long to wait first. Pure functions: the clock and
 * the random source are parameters, so every rule here is tested without waiting.
 *
 * - 429: always retryable (the request was not processed). Wait what Retry-After says, never
 *   less; without a usable Retry-After, exponential backoff.
 * - 500/502/503/504 and network failures: retried only for idempotent methods (GET, PUT,
 *   DELETE). POST and PATCH may have been processed, so sending them again could duplicate work.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60_000;
/** A longer Retry-After counts as this long (a week): any such wait fails against Max Wait anyway, with a finite figure. */
export const RETRY_AFTER_CAP_MS = 7 * 24 * 3600 * 1000;

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']);
const RETRYABLE_SERVER_STATUS: ReadonlySet<number> = new Set([500, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function isIdempotent(method: string): boolean {
	return IDEMPOTENT.has(method.toUpperCase());
}

function isRetryableNetworkCode(code: string | undefined): boolean {
	return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * Parses a Retry-After header value (RFC 9110: delta-seconds or an HTTP-date) into the number of
 * milliseconds to wait from `now`. Returns undefined when the value is absent or unparsable, so
 * the caller falls back to backoff. A date in the past means "now" (0 ms).
 */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
	const raw = Array.isArray(value) ? value[0] : value;
	if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return Math.min(RETRY_AFTER_CAP_MS, Math.ceil(raw * 1000));
	if (typeof raw !== 'string') return undefined;
	const text = raw.trim();
	if (text === '') return undefined;
	if (/^\d+$/.test(text)) return Math.min(RETRY_AFTER_CAP_MS, Number(text) * 1000);
	// Only real HTTP-dates ("Sun, 06 Nov 1994 08:49:37 GMT" and its obsolete forms) — Date.parse
	// alone would also accept "1.5" or "30s" as dates.
	if (!/[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return undefined;
	const at = Date.parse(text);
	if (Number.isNaN(at)) return undefined;
	return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, at - now));
}

/**
 * Exponential backoff with jitter for retry number `attempt` (0 for the first retry): the step
 * is base·2^attempt capped at `capMs`, and the wait is drawn from [step/2, step), so retries
 * neither bunch up nor come sooner than half their step.
 */
export function backoffDelay(
	attempt: number,
	random: () => number,
	baseMs = BACKOFF_BASE_MS,
	capMs = BACKOFF_CAP_MS,
): number {
	const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
	return Math.floor(step / 2 + random() * (step / 2));
}

/** What went wrong with one attempt, as far as the retry decision needs to know. */
export type AttemptFailure =
	| { kind: 'http'; statusCode: number; retryAfter?: unknown }
	| { kind: 'network'; code?: string };

type RetryDecision =
	| { retry: false; reason: 'not-retryable' | 'out-of-retries' }
	| { retry: false; reason: 'wait-too-long'; waitMs: number; fromRetryAfter: boolean }
	| { retry: true; waitMs: number; fromRetryAfter: boolean };

interface RetryContext {
	method: string;
	/** How many retries were already made (0 after the first attempt failed). */
	retriesDone: number;
	maxRetries: number;
	maxWaitMs: number;
	now: number;
	/** The jitter's random source (the clock's). */
	random: () => number;
}

export function decideRetry(failure: AttemptFailure, ctx: RetryContext): RetryDecision {
	if (!isRetryable(failure, ctx.method)) return { retry: false, reason: 'not-retryable' };
	if (ctx.retriesDone >= ctx.maxRetries) return { retry: false, reason: 'out-of-retries' };

	const asked =
		failure.kind === 'http' && failure.statusCode === 429
			? parseRetryAfter(failure.retryAfter, ctx.now)
			: undefined;
	const fromRetryAfter = asked !== undefined;
	const waitMs = fromRetryAfter ? asked : backoffDelay(ctx.retriesDone, ctx.random);

	// Retrying earlier than Flextell asked risks a suspension, so a Retry-After beyond what
	// the user allows fails now. A backoff step beyond it is only our own choice: shorten it.
	if (waitMs > ctx.maxWaitMs) {
		if (fromRetryAfter) return { retry: false, reason: 'wait-too-long', waitMs, fromRetryAfter };
		return { retry: true, waitMs: ctx.maxWaitMs, fromRetryAfter };
	}
	return { retry: true, waitMs, fromRetryAfter };
}

function isRetryable(failure: AttemptFailure, method: string): boolean {
	if (failure.kind === 'http') {
		if (failure.statusCode === 429) return true;
		return RETRYABLE_SERVER_STATUS.has(failure.statusCode) && isIdempotent(method);
	}
	return isRetryableNetworkCode(failure.code) && isIdempotent(method);
}
