// @ts-check
'use strict';
// The rate limit and what it remembers per access token:
// - one of three limiters allowing `limit` requests per `windowSeconds`: a fixed window (starting
//   at the token's first request; the default), a sliding window (at most `limit` requests in any
//   `windowSeconds`), or a token bucket (`limit` tokens, refilled evenly over `windowSeconds`);
// - optionally, rate-limit headers on every answer in one of the common styles (off by default,
//   as Flextell's API documentation names only Retry-After);
// - the moment the last 429 allowed the token back (its Retry-After, or the window end when no
//   Retry-After was sent); a request before that moment is "early" and counted;
// - suspension once a token has made more than `suspendAfter` early requests.

const { DEFAULT_SUSPEND_AFTER } = require('./config');

/**
 * What a 429 says about when to retry.
 * @typedef {Object} RetryAdvice
 * @property {string | null} header  the Retry-After header value, or null for none
 * @property {number} seconds        whole seconds until `moment` (at least 1), for the message
 * @property {number} moment         ms since epoch from which a retry is on time
 */

/**
 * @param {import('./config').RetryAfterMode} mode
 * @param {number} now       ms since epoch
 * @param {number} waitMs    how long the client should wait
 * @returns {RetryAdvice}
 */
function retryAdvice(mode, now, waitMs) {
	if (mode === 'http-date') {
		// An HTTP-date has whole seconds: round the moment up to one.
		const moment = Math.ceil((now + Math.max(waitMs, 1)) / 1000) * 1000;
		return { header: new Date(moment).toUTCString(), seconds: Math.max(1, Math.ceil((moment - now) / 1000)), moment };
	}
	const seconds = Math.max(1, Math.ceil(waitMs / 1000));
	if (mode === 'none') return { header: null, seconds, moment: now + waitMs };
	return { header: String(seconds), seconds, moment: now + seconds * 1000 };
}

/**
 * The body and headers of a 429.
 * @param {RetryAdvice} advice
 * @returns {{ body: { error: string, message: string }, headers: Record<string, string> }}
 */
function tooManyRequests(advice) {
	const message = advice.header === null
		? 'Too many requests.'
		: `Too many requests. Retry after ${advice.seconds} seconds.`;
	return {
		body: { error: 'rate_limit_exceeded', message },
		headers: advice.header === null ? {} : { 'Retry-After': advice.header },
	};
}

class RateLimiter {
	/** @param {import('./config').RateLimitConfig | null} config */
	constructor(config) {
		this.config = config;
		/** @type {Map<string, LimiterState>} token -> what its limiter remembers */
		this.windows = new Map();
		/** @type {Map<string, number>} token -> moment the last 429 allowed it back */
		this.retryMoments = new Map();
		/** @type {Map<string, number>} token -> early requests so far */
		this.earlyCounts = new Map();
		/** @type {Set<string>} */
		this.suspended = new Set();
	}

	/**
	 * A new configuration starts new windows; what tokens did wrong is kept.
	 * @param {import('./config').RateLimitConfig | null} config
	 */
	configure(config) {
		this.config = config;
		this.windows.clear();
	}

	get suspendAfter() {
		return this.config ? this.config.suspendAfter : DEFAULT_SUSPEND_AFTER;
	}

	/**
	 * Notes a request's arrival: whether it is early, and suspends the token past `suspendAfter`.
	 * @param {string | null} token
	 * @param {number} now
	 * @returns {boolean} early
	 */
	arrive(token, now) {
		if (token === null) return false;
		const moment = this.retryMoments.get(token);
		if (moment === undefined || now >= moment) return false;
		const count = (this.earlyCounts.get(token) ?? 0) + 1;
		this.earlyCounts.set(token, count);
		if (count > this.suspendAfter) this.suspended.add(token);
		return true;
	}

	/** @param {string} token */
	isSuspended(token) {
		return this.suspended.has(token);
	}

	/**
	 * Counts a request against the token's limit.
	 * @param {string} token
	 * @param {number} now
	 * @returns {RetryAdvice | null} null when allowed; else when to retry (already remembered)
	 */
	take(token, now) {
		const config = this.config;
		if (!config) return null;
		const state = this.stateOf(token, now);
		const waitMs = LIMITERS[config.limiter].take(state, config, now);
		if (waitMs === null) return null;
		const advice = retryAdvice(config.retryAfter, now, waitMs);
		this.remember(token, advice.moment);
		return advice;
	}

	/**
	 * The rate-limit headers for an answer to `token` (after its request was counted), in the
	 * configured style; none when the style is 'none' or there is no limit.
	 * @param {string | null} token
	 * @param {number} now
	 * @returns {Record<string, string>}
	 */
	headers(token, now) {
		const config = this.config;
		if (!config || config.headers === 'none' || token === null) return {};
		const { remaining, resetMs } = LIMITERS[config.limiter].status(this.stateOf(token, now), config, now);
		return rateLimitHeaders(config, remaining, resetMs, now);
	}

	/**
	 * @param {string} token
	 * @param {number} now
	 * @returns {LimiterState}
	 */
	stateOf(token, now) {
		let state = this.windows.get(token);
		if (!state) {
			state = { start: now, count: 0, times: [], tokens: this.config ? this.config.limit : 0, refilledAt: now };
			this.windows.set(token, state);
		}
		return state;
	}

	/**
	 * Records that a 429 told `token` to come back at `moment`.
	 * @param {string} token
	 * @param {number} moment
	 */
	remember(token, moment) {
		this.retryMoments.set(token, moment);
	}

	/** Forgets windows, retry moments, early counts and suspensions. */
	reset() {
		this.windows.clear();
		this.retryMoments.clear();
		this.earlyCounts.clear();
		this.suspended.clear();
	}
}

/**
 * What a limiter remembers for one token (each limiter uses its own fields).
 * @typedef {Object} LimiterState
 * @property {number} start       fixed: when the window started
 * @property {number} count       fixed: requests counted in the window
 * @property {number[]} times     sliding: arrival times of the allowed requests in the window
 * @property {number} tokens      token bucket: tokens left (fractional)
 * @property {number} refilledAt  token bucket: when `tokens` was last brought up to date
 */

/**
 * @typedef {Object} Limiter
 * @property {(state: LimiterState, config: import('./config').RateLimitConfig, now: number) => number | null} take
 *   counts a request; null when allowed, else ms until one would be allowed
 * @property {(state: LimiterState, config: import('./config').RateLimitConfig, now: number) => { remaining: number, resetMs: number }} status
 *   requests left now, and ms until the next request is allowed again when none is left (else until the limit is whole again)
 */

/** @type {Record<import('./config').LimiterKind, Limiter>} */
const LIMITERS = {
	fixed: {
		take(state, config, now) {
			const windowMs = config.windowSeconds * 1000;
			if (now >= state.start + windowMs) Object.assign(state, { start: now, count: 0 });
			state.count++;
			return state.count <= config.limit ? null : state.start + windowMs - now;
		},
		status(state, config, now) {
			const windowMs = config.windowSeconds * 1000;
			if (now >= state.start + windowMs) return { remaining: config.limit, resetMs: 0 };
			return { remaining: Math.max(0, config.limit - state.count), resetMs: state.start + windowMs - now };
		},
	},
	sliding: {
		take(state, config, now) {
			const windowMs = config.windowSeconds * 1000;
			state.times = state.times.filter((t) => t > now - windowMs);
			if (state.times.length < config.limit) {
				state.times.push(now);
				return null;
			}
			return state.times[state.times.length - config.limit] + windowMs - now;
		},
		status(state, config, now) {
			const windowMs = config.windowSeconds * 1000;
			const times = state.times.filter((t) => t > now - windowMs);
			const remaining = Math.max(0, config.limit - times.length);
			if (times.length === 0) return { remaining, resetMs: 0 };
			// None left: until the oldest request leaves the window; else until the newest has.
			const at = remaining === 0 ? times[times.length - config.limit] : times[times.length - 1];
			return { remaining, resetMs: at + windowMs - now };
		},
	},
	'token-bucket': {
		take(state, config, now) {
			refill(state, config, now);
			if (state.tokens >= 1) {
				state.tokens -= 1;
				return null;
			}
			return Math.ceil((1 - state.tokens) / refillPerMs(config));
		},
		status(state, config, now) {
			refill(state, config, now);
			const remaining = Math.floor(state.tokens);
			const missing = remaining === 0 ? 1 - state.tokens : config.limit - state.tokens;
			return { remaining, resetMs: Math.ceil(missing / refillPerMs(config)) };
		},
	},
};

/** @param {import('./config').RateLimitConfig} config */
function refillPerMs(config) {
	return config.limit / (config.windowSeconds * 1000);
}

/**
 * @param {LimiterState} state
 * @param {import('./config').RateLimitConfig} config
 * @param {number} now
 */
function refill(state, config, now) {
	state.tokens = Math.min(config.limit, state.tokens + (now - state.refilledAt) * refillPerMs(config));
	state.refilledAt = now;
}

/**
 * Rate-limit headers in one of the common styles. The reset is rounded up to whole seconds, so it
 * is never earlier than the moment it names.
 * @param {import('./config').RateLimitConfig} config
 * @param {number} remaining
 * @param {number} resetMs
 * @param {number} now
 * @returns {Record<string, string>}
 */
function rateLimitHeaders(config, remaining, resetMs, now) {
	const resetSeconds = Math.ceil(resetMs / 1000);
	const window = config.windowSeconds;
	switch (config.headers) {
		case 'ietf':
			return {
				'RateLimit-Policy': `"default";q=${config.limit};w=${Math.ceil(window)}`,
				RateLimit: `"default";r=${remaining};t=${resetSeconds}`,
			};
		case 'draft':
			return { 'RateLimit-Limit': String(config.limit), 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(resetSeconds) };
		case 'x':
			return { 'X-RateLimit-Limit': String(config.limit), 'X-RateLimit-Remaining': String(remaining), 'X-RateLimit-Reset': String(resetSeconds) };
		case 'x-epoch':
			return {
				'X-RateLimit-Limit': String(config.limit),
				'X-RateLimit-Remaining': String(remaining),
				'X-RateLimit-Reset': String(Math.ceil((now + resetMs) / 1000)),
			};
		default:
			return {};
	}
}

module.exports = { RateLimiter, retryAdvice, tooManyRequests, rateLimitHeaders };
