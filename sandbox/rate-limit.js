// @ts-check
'use strict';
// The rate limit and what it remembers per access token:
// - a fixed window (starting at the token's first request) allowing `limit` requests;
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
		/** @type {Map<string, { start: number, count: number }>} */
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
	 * Counts a request against the token's window.
	 * @param {string} token
	 * @param {number} now
	 * @returns {RetryAdvice | null} null when allowed; else when to retry (already remembered)
	 */
	take(token, now) {
		const config = this.config;
		if (!config) return null;
		const windowMs = config.windowSeconds * 1000;
		let window = this.windows.get(token);
		if (!window || now >= window.start + windowMs) {
			window = { start: now, count: 0 };
			this.windows.set(token, window);
		}
		window.count++;
		if (window.count <= config.limit) return null;
		const advice = retryAdvice(config.retryAfter, now, window.start + windowMs - now);
		this.remember(token, advice.moment);
		return advice;
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

module.exports = { RateLimiter, retryAdvice, tooManyRequests };
