// @ts-check
'use strict';
// The Sandbox object: owns the state (records, tokens, rate-limit memory, faults, request log),
// the HTTPS server and its lifetime, and offers the JavaScript API that tests, the demo and the
// benchmarks use (the control API under /_sandbox offers the same to other processes).

const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { makeCertificate, findCertificate } = require('./cert');
const { defaultConfig, applyConfig } = require('./config');
const { FaultQueue } = require('./faults');
const { RequestLog, preciseNow } = require('./log');
const { OAuthServer } = require('./oauth');
const { RateLimiter } = require('./rate-limit');
const { Store } = require('./store');
const { createRequestHandler } = require('./server');

const HOST = '127.0.0.1';
const DEFAULT_CLIENT_ID = 'flextell-sandbox';
const DEFAULT_CLIENT_SECRET = 'sandbox-secret';
const DEFAULT_LIFETIME_SECONDS = 600;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @typedef {Object} SandboxOptions
 * @property {number} [port]              0 (default) = any free port; the host is always 127.0.0.1
 * @property {string} [certDir]           folder with cert.pem + key.pem to reuse (made there if missing); else a new temp dir
 * @property {number} [lifetimeSeconds]   stops by itself after this long (default 600; the timer is unref'd)
 * @property {number} [tokenTtlSeconds]
 * @property {import('./config').RateLimitConfig | { limit: number, windowSeconds: number, retryAfter?: import('./config').RetryAfterMode, suspendAfter?: number } | null} [rateLimit]
 * @property {import('./config').PaginationScheme} [pagination]
 * @property {number} [defaultPageSize]
 * @property {number} [maxPageSize]
 * @property {Record<string, string[]>} [requiredFields]
 * @property {string[]} [collections]     collections that exist besides seeded ones (default contacts, tickets); others answer 404
 * @property {boolean} [quiet]            default true: no per-request lines on stderr
 * @property {{ now(): number, delay?(ms: number): Promise<unknown> }} [clock]  in this process only: the time
 *   (ms since epoch) the rate limit, the faults and the log read, and how `slow` and `drip` faults wait, so
 *   that tests can share a virtual clock with the node; default: the system's
 */

class Sandbox {
	/** @param {SandboxOptions} [options] */
	constructor(options = {}) {
		/** @type {import('./config').SandboxConfig} */
		this.config = applyConfig(defaultConfig(), /** @type {Record<string, unknown>} */ (options));
		this.store = new Store();
		this.requestLog = new RequestLog();
		this.faultQueue = new FaultQueue();
		this.limiter = new RateLimiter(this.config.rateLimit);
		const { clock } = options;
		/** @type {() => number} */
		this.now = clock ? () => clock.now() : preciseNow;
		/** @type {((ms: number) => Promise<unknown>) | undefined} */
		this.clockDelay = clock?.delay ? (ms) => /** @type {any} */ (clock).delay(ms) : undefined;
		this.clientId = DEFAULT_CLIENT_ID;
		this.clientSecret = DEFAULT_CLIENT_SECRET;
		this.oauth = new OAuthServer({
			clientId: this.clientId,
			clientSecret: this.clientSecret,
			tokenTtlSeconds: () => this.config.tokenTtlSeconds,
		});

		this.port = 0;
		this.url = '';
		this.baseUrl = '';
		this.authorizeUrl = '';
		this.tokenUrl = '';
		this.certPath = '';
		/** @type {string | null} a temp dir this sandbox made and removes on close */
		this.ownCertDir = null;
		/** @type {https.Server | null} */
		this.server = null;
		/** @type {Set<NodeJS.Timeout>} pending `slow` fault delays */
		this.timers = new Set();
		/** @type {NodeJS.Timeout | null} */
		this.lifetimeTimer = null;
		/** @type {Promise<void> | null} */
		this.closing = null;
		/** @type {() => void} */
		let markClosed = () => {};
		/** @type {Promise<void>} resolves once the sandbox has stopped, by close() or at the end of its lifetime */
		this.closed = new Promise((resolve) => { markClosed = () => resolve(undefined); });
		this.markClosed = markClosed;
	}

	/** The origin requests are served on, e.g. https://127.0.0.1:8443 */
	get origin() {
		return this.url;
	}

	/**
	 * Makes or reuses the certificate and listens.
	 * @param {{ port?: number, certDir?: string, lifetimeSeconds?: number }} options
	 */
	async start(options) {
		let certDir = options.certDir;
		if (!certDir) {
			certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-sandbox-'));
			this.ownCertDir = certDir;
		}
		const { certPath, keyPath } = findCertificate(certDir) ?? makeCertificate(certDir);
		this.certPath = certPath;

		const server = https.createServer({ cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath) });
		server.on('request', createRequestHandler(this));
		await new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(options.port ?? 0, HOST, () => {
				server.off('error', reject);
				resolve(undefined);
			});
		});
		this.server = server;
		const address = /** @type {import('node:net').AddressInfo} */ (server.address());
		this.port = address.port;
		this.url = `https://${HOST}:${this.port}`;
		this.baseUrl = `${this.url}/api`;
		this.authorizeUrl = `${this.url}/oauth/authorize`;
		this.tokenUrl = `${this.url}/oauth/token`;

		const lifetimeSeconds = options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
		if (!(typeof lifetimeSeconds === 'number' && lifetimeSeconds > 0)) throw new TypeError('lifetimeSeconds must be a positive number');
		this.lifetimeTimer = setTimeout(() => { this.close(); }, Math.min(lifetimeSeconds * 1000, MAX_TIMER_MS));
		this.lifetimeTimer.unref();
	}

	/**
	 * Waits `ms` (for `slow` faults); cancelled when the sandbox closes.
	 * @param {number} ms
	 * @returns {Promise<void>}
	 */
	delay(ms) {
		const { clockDelay } = this;
		if (clockDelay) return clockDelay(ms).then(() => undefined);
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, ms);
			this.timers.add(timer);
		});
	}

	/**
	 * Issues a token pair without the OAuth dance.
	 * @param {{ scope?: string, ttlSeconds?: number }} [options]
	 */
	issueToken(options = {}) {
		return this.oauth.issue({ scope: options.scope, ttlSeconds: options.ttlSeconds });
	}

	/**
	 * The next request with this access token gets 401.
	 * @param {string} accessToken
	 * @returns {boolean} whether the token was known
	 */
	expireAccessToken(accessToken) {
		return this.oauth.expireAccessToken(accessToken);
	}

	/**
	 * Refreshing with this token gets 400 invalid_grant.
	 * @param {string} refreshToken
	 * @returns {boolean} whether the token was known
	 */
	revokeRefreshToken(refreshToken) {
		return this.oauth.revokeRefreshToken(refreshToken);
	}

	/**
	 * Adds records to a collection: the given ones (id/created_at/updated_at filled in unless
	 * given), or `count` generated ones `{ name: 'Record N', index: N }`.
	 * @param {string} collection
	 * @param {ReadonlyArray<Record<string, unknown>> | number} records
	 * @returns {import('./store').StoredRecord[]} copies of the stored records
	 */
	seed(collection, records) {
		const stored = typeof records === 'number'
			? this.store.generate(collection, records)
			: this.store.seed(collection, records);
		return stored.map((record) => ({ ...record }));
	}

	/**
	 * Queues faults for the next /api requests, in order.
	 * @param {unknown[]} faults
	 */
	injectFaults(faults) {
		this.faultQueue.add(faults);
	}

	/**
	 * Random faults for every /api request that takes no queued one (null turns them off; reset()
	 * does too).
	 * @param {unknown} config  { seed?, faults: [{ probability, fault }] } or null
	 */
	randomFaults(config) {
		this.faultQueue.setRandom(config);
	}

	/**
	 * Changes settings while running: rateLimit, pagination, tokenTtlSeconds, defaultPageSize,
	 * maxPageSize, requiredFields, collections, quiet.
	 * @param {Record<string, unknown>} changes
	 * @returns {import('./config').SandboxConfig} the new configuration
	 */
	configure(changes) {
		const next = applyConfig(this.config, changes);
		if (next.rateLimit !== this.config.rateLimit) this.limiter.configure(next.rateLimit);
		this.config = next;
		return next;
	}

	/** @returns {import('./log').LogRecord[]} the request log (live; cleared in place) */
	get log() {
		return this.requestLog.records;
	}

	clearLog() {
		this.requestLog.clear();
	}

	/** Empties the store, the fault queue, the log and the rate-limit memory. Tokens stay valid. */
	reset() {
		this.store.reset();
		this.faultQueue.clear();
		this.requestLog.clear();
		this.limiter.reset();
	}

	/**
	 * Stops listening and ends open connections (keep-alive ones too).
	 * @returns {Promise<void>}
	 */
	close() {
		if (!this.closing) this.closing = this.shutdown();
		return this.closing;
	}

	/** @private */
	async shutdown() {
		if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer);
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		const server = this.server;
		if (server) {
			const stopped = new Promise((resolve) => server.close(() => resolve(undefined)));
			server.closeAllConnections();
			await stopped;
		}
		if (this.ownCertDir) fs.rmSync(this.ownCertDir, { recursive: true, force: true });
		this.markClosed();
	}
}

/**
 * Starts a sandbox on 127.0.0.1.
 * @param {SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function startSandbox(options = {}) {
	const sandbox = new Sandbox(options);
	try {
		await sandbox.start(options);
	} catch (err) {
		await sandbox.close();
		throw err;
	}
	return sandbox;
}

module.exports = { Sandbox, startSandbox, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET };
