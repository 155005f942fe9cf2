#!/usr/bin/env node
// @ts-check
'use strict';
// `npm run sandbox -- [options]`: runs the sandbox as a process of its own. Prints one JSON line
// to stdout when ready (url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl),
// then one line per request to stderr. Stops on SIGINT/SIGTERM, when stdin closes, when the
// parent process goes away, or after --lifetime seconds.

const { startSandbox } = require('./sandbox');

const USAGE = `Usage: node sandbox/cli.js [--port 8443] [--rate-limit 50/5] [--retry-after seconds|http-date|none]
       [--limiter fixed|sliding|token-bucket] [--rate-limit-headers none|ietf|draft|x|x-epoch] [--suspend-after 20] [--token-ttl 3600] [--pagination cursor|page|link] [--lifetime 3600]
       [--cert-dir DIR] [--quiet]`;

/**
 * @param {string[]} argv
 * @returns {import('./sandbox').SandboxOptions}
 */
function parseArgs(argv) {
	/** @type {Record<string, string>} */
	const values = {};
	let quiet = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--help' || arg === '-h') {
			process.stdout.write(`${USAGE}\n`);
			process.exit(0);
		}
		if (arg === '--quiet') {
			quiet = true;
			continue;
		}
		const [name, inline] = arg.split(/=(.*)/s, 2);
		const value = inline ?? argv[++i];
		if (!name.startsWith('--') || value === undefined) throw new Error(`Unexpected argument '${arg}'.\n${USAGE}`);
		values[name.slice(2)] = value;
	}

	/** @param {string} key */
	const number = (key) => {
		const n = Number(values[key]);
		if (!Number.isFinite(n)) throw new Error(`--${key} needs a number, got '${values[key]}'`);
		return n;
	};
	/** @type {import('./sandbox').SandboxOptions} */
	const options = { port: 8443, lifetimeSeconds: 3600, quiet };
	for (const key of Object.keys(values)) {
		switch (key) {
			case 'port': options.port = number(key); break;
			case 'token-ttl': options.tokenTtlSeconds = number(key); break;
			case 'lifetime': options.lifetimeSeconds = number(key); break;
			case 'cert-dir': options.certDir = values[key]; break;
			case 'pagination': options.pagination = /** @type {any} */ (values[key]); break; // checked by startSandbox
			case 'rate-limit': case 'retry-after': case 'suspend-after': case 'limiter': case 'rate-limit-headers': break; // below
			default: throw new Error(`Unknown option --${key}.\n${USAGE}`);
		}
	}
	if (values['rate-limit']) {
		const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(values['rate-limit']);
		if (!match) throw new Error(`--rate-limit needs LIMIT/WINDOW_SECONDS, e.g. 50/5, got '${values['rate-limit']}'`);
		options.rateLimit = {
			limit: Number(match[1]),
			windowSeconds: Number(match[2]),
			retryAfter: /** @type {any} */ (values['retry-after'] ?? 'seconds'),
			suspendAfter: values['suspend-after'] === undefined ? undefined : number('suspend-after'),
			// Checked by startSandbox, like --pagination.
			limiter: /** @type {any} */ (values.limiter),
			headers: /** @type {any} */ (values['rate-limit-headers']),
		};
	} else if (values['retry-after'] || values['suspend-after'] || values.limiter || values['rate-limit-headers']) {
		throw new Error('--retry-after, --suspend-after, --limiter and --rate-limit-headers need --rate-limit.');
	}
	return options;
}

async function main() {
	const options = parseArgs(process.argv.slice(2));

	/** @type {import('./sandbox').Sandbox | null} */
	let sandbox = null;
	let stopping = false;
	/** @param {string} why */
	const stop = (why) => {
		if (stopping) return;
		stopping = true;
		if (!options.quiet) process.stderr.write(`flextell-sandbox: stopping (${why})\n`);
		if (sandbox) sandbox.close().then(() => process.exit(0));
		// else main() stops it as soon as it has started
	};
	// Watch for the ways to stop before announcing readiness, so none of them can be missed.
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.stdin.on('end', () => stop('stdin closed'));
	process.stdin.on('error', () => stop('stdin error'));
	process.stdin.resume();
	const parentPid = process.ppid;
	setInterval(() => {
		if (process.ppid !== parentPid) stop('parent exited');
	}, 1000).unref();

	sandbox = await startSandbox(options);
	if (stopping) {
		await sandbox.close();
		process.exit(0);
	}
	sandbox.closed.then(() => stop('lifetime over'));
	const { url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl } = sandbox;
	process.stdout.write(`${JSON.stringify({ url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl })}\n`);
}

main().catch((err) => {
	process.stderr.write(`flextell-sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
