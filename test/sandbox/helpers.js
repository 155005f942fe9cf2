// @ts-check
'use strict';
// Test helpers: start a sandbox and talk to it over real HTTPS, trusting its certificate through
// the `ca` option (no TLS bypass).
const fs = require('node:fs');
const https = require('node:https');
const sandboxLib = require('../../scripts/lib/sandbox');

/** A sandbox for one test file (stops by itself after two minutes). @param {import('../../sandbox/sandbox').SandboxOptions} [options] */
const openSandbox = (options = {}) => sandboxLib.openSandbox({ lifetimeSeconds: 120, ...options });

/**
 * @typedef {Object} Reply
 * @property {number} status
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string} text
 * @property {any} json   the parsed body, or undefined when it is not JSON
 */

/**
 * @typedef {Object} RequestOptions
 * @property {string | null} [token]     bearer token (null: no Authorization header)
 * @property {Record<string, string>} [headers]
 * @property {unknown} [json]            sent as application/json
 * @property {Record<string, string>} [form]  sent as application/x-www-form-urlencoded
 * @property {string} [raw]              sent as is (with the given headers)
 */

class Client {
	/**
	 * @param {{ url: string, certPath: string }} sandbox
	 * @param {string | null} [token]  default bearer token for api()
	 */
	constructor(sandbox, token = null) {
		this.url = sandbox.url;
		this.token = token;
		this.agent = new https.Agent({ keepAlive: true, ca: fs.readFileSync(sandbox.certPath) });
	}

	/**
	 * @param {string} method
	 * @param {string} path  on the sandbox's origin, e.g. /oauth/token
	 * @param {RequestOptions} [options]
	 * @returns {Promise<Reply>}
	 */
	request(method, path, options = {}) {
		/** @type {Record<string, string>} */
		const headers = { ...options.headers };
		let payload;
		if (options.json !== undefined) {
			payload = JSON.stringify(options.json);
			headers['content-type'] ??= 'application/json';
		} else if (options.form) {
			payload = new URLSearchParams(options.form).toString();
			headers['content-type'] ??= 'application/x-www-form-urlencoded';
		} else if (options.raw !== undefined) {
			payload = options.raw;
		}
		if (options.token) headers.authorization = `Bearer ${options.token}`;
		return new Promise((resolve, reject) => {
			const req = https.request(new URL(path, this.url), { method, headers, agent: this.agent }, (res) => {
				/** @type {Buffer[]} */
				const chunks = [];
				res.on('data', (chunk) => chunks.push(chunk));
				res.on('error', reject);
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let json;
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
				});
			});
			req.on('error', reject);
			req.end(payload);
		});
	}

	/**
	 * A request to /api/v0.0.1<path> with the client's token unless `options.token` is given.
	 * @param {string} method
	 * @param {string} path
	 * @param {RequestOptions} [options]
	 */
	api(method, path, options = {}) {
		return this.request(method, `/api/v0.0.1${path}`, { token: this.token, ...options });
	}

	close() {
		this.agent.destroy();
	}
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One sandbox and one client for the calling test file, started in beforeAll and closed in
 * afterAll. The returned objects stand for the live ones.
 * @param {import('../../sandbox/sandbox').SandboxOptions} [options]
 * @returns {{ sb: import('../../sandbox/sandbox').Sandbox, client: Client }}
 */
function useSandboxAndClient(options = {}) {
	/** @type {{ sb?: import('../../sandbox/sandbox').Sandbox, client?: Client }} */
	const live = {};
	beforeAll(async () => {
		live.sb = await openSandbox(options);
		live.client = new Client(live.sb);
	});
	afterAll(async () => {
		live.client?.close();
		await live.sb?.close();
	});
	/** @param {'sb' | 'client'} name */
	const standIn = (name) =>
		new Proxy({}, {
			get(_target, key) {
				const target = /** @type {any} */ (live[name]);
				if (!target) throw new Error('The sandbox starts in beforeAll; use it inside tests and hooks.');
				const value = target[key];
				return typeof value === 'function' ? value.bind(target) : value;
			},
		});
	return { sb: /** @type {any} */ (standIn('sb')), client: /** @type {any} */ (standIn('client')) };
}

/**
 * The time a sandbox reads when a test moves it by hand: it starts at the real time and moves
 * only by `advance`, so a limiter's windows and refills are judged without waiting for them.
 */
class ManualClock {
	constructor() {
		this.time = Date.now();
	}

	now() {
		return this.time;
	}

	/** @param {number} ms */
	async advance(ms) {
		this.time += Math.max(0, ms);
	}
}

/**
 * For the rate-limit tests: a sandbox and client for the file, reset to no rate limit before each
 * test, `list(token)`: GET /contacts with that token, and the sandbox's clock, moved by hand.
 */
function useRateLimitSandbox() {
	const clock = new ManualClock();
	const { sb, client } = useSandboxAndClient({ clock });
	beforeEach(() => {
		sb.reset();
		sb.configure({ rateLimit: null });
	});
	const list = (/** @type {string} */ token) => client.api('GET', '/contacts', { token });
	return { sb, client, list, clock };
}

module.exports = { openSandbox, Client, sleep, useSandboxAndClient, useRateLimitSandbox, ManualClock };
