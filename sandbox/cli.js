#!/usr/bin/env node
// @ts-check
'use strict';
// `npm run sandbox -- [options]`: runs the sandbox as a process of its own. Prints one JSON line
// to stdout when ready (url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl),
// then one line per request to stderr. Stops on SIGINT/SIGTERM, when the parent process goes away,
// after --lifetime seconds, and, when another program started it, when its stdin closes.
//
// Who started it decides how it ends (--stdin auto): with stdin a pipe or socket, a program holds
// the other end, so the sandbox stops when that closes (the program died or let go) and lives at
// most an hour; with stdin a terminal, /dev/null or a file, a person started it (`npm run sandbox`,
// also with `&`), so it stays up until Ctrl-C. `--stdin watch|ignore` chooses either explicitly.

const fs = require('node:fs');
const { COLLECTION_NAME, DEFAULT_COLLECTIONS } = require('./config');
const { seedDemoData } = require('./demo-data');
const { parseArgs: readOptions } = require('../scripts/lib/args');
const { startSandbox } = require('./sandbox');

const USAGE = `Usage: node sandbox/cli.js [--port 8443] [--seed] [--collections notes,orders]
       [--rate-limit 50/5] [--retry-after seconds|http-date|none] [--limiter fixed|sliding|token-bucket]
       [--rate-limit-headers none|ietf|draft|x|x-epoch] [--suspend-after 20] [--token-ttl 3600]
       [--pagination cursor|page|link] [--stdin auto|watch|ignore] [--lifetime SECONDS]
       [--cert-dir DIR] [--quiet]`;

/** Lifetime when a program started the sandbox and did not say (a person's sandbox has none). */
const PROGRAM_LIFETIME_SECONDS = 3600;

/**
 * @typedef {import('./sandbox').SandboxOptions & { seed: boolean, extraCollections: string[], stdin: 'auto' | 'watch' | 'ignore' }} CliOptions
 */

/**
 * @param {string[]} argv
 * @returns {CliOptions}
 */
function parseArgs(argv) {
	if (argv.includes('--help') || argv.includes('-h')) {
		process.stdout.write(`${USAGE}\n`);
		process.exit(0);
	}
	/** @type {Record<string, string|boolean>} */
	let read;
	try {
		read = readOptions(argv, { flags: ['quiet', 'seed'] });
	} catch (e) {
		throw new Error(`${e instanceof Error ? e.message : e}.\n${USAGE}`);
	}
	const { quiet = false, seed = false, ...rest } = read;
	/** @type {Record<string, string>} */
	const values = {};
	for (const [name, value] of Object.entries(rest)) {
		if (typeof value !== 'string') throw new Error(`--${name} needs a value.\n${USAGE}`);
		values[name] = value;
	}

	/** @param {string} key */
	const number = (key) => {
		const n = Number(values[key]);
		if (!Number.isFinite(n)) throw new Error(`--${key} needs a number, got '${values[key]}'`);
		return n;
	};
	/** @type {CliOptions} */
	const options = { port: 8443, quiet: quiet === true, seed: seed === true, extraCollections: [], stdin: 'auto' };
	for (const key of Object.keys(values)) {
		switch (key) {
			case 'port': options.port = number(key); break;
			case 'token-ttl': options.tokenTtlSeconds = number(key); break;
			case 'lifetime': options.lifetimeSeconds = number(key); break;
			case 'collections': {
				const names = values[key].split(',').map((name) => name.trim()).filter(Boolean);
				const bad = names.find((name) => !COLLECTION_NAME.test(name));
				if (bad !== undefined || !names.length) throw new Error(`--collections needs names like notes,orders (letters, digits, _ and -), got '${values[key]}'`);
				options.extraCollections = names;
				break;
			}
			case 'stdin': {
				const mode = values[key];
				if (mode !== 'auto' && mode !== 'watch' && mode !== 'ignore') throw new Error(`--stdin needs auto, watch or ignore, got '${mode}'`);
				options.stdin = mode;
				break;
			}
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

/**
 * Whether a program holds the other end of stdin (a pipe or a socket, as `spawn` makes), rather
 * than a person's terminal, /dev/null or a file.
 */
function stdinIsFromProgram() {
	try {
		const stat = fs.fstatSync(0);
		return stat.isFIFO() || stat.isSocket();
	} catch {
		return false; // no stdin at all
	}
}

async function main() {
	const options = parseArgs(process.argv.slice(2));
	const watchStdin = options.stdin === 'watch' || (options.stdin === 'auto' && stdinIsFromProgram());
	// A person's sandbox runs until Ctrl-C; a program's is bounded even if the program forgets it.
	options.lifetimeSeconds ??= watchStdin ? PROGRAM_LIFETIME_SECONDS : Infinity;

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
	if (watchStdin) {
		process.stdin.on('end', () => stop('stdin closed'));
		process.stdin.on('error', () => stop('stdin error'));
		process.stdin.resume();
	}
	const parentPid = process.ppid;
	setInterval(() => {
		if (process.ppid !== parentPid) stop('parent exited');
	}, 1000).unref();

	const collections = [...new Set([...DEFAULT_COLLECTIONS, ...options.extraCollections])];
	sandbox = await startSandbox({ ...options, collections });
	if (stopping) {
		await sandbox.close();
		process.exit(0);
	}
	const seeded = options.seed ? seedDemoData(sandbox) : undefined;
	sandbox.closed.then(() => stop('lifetime over'));
	const { url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl } = sandbox;
	process.stdout.write(`${JSON.stringify({ url, baseUrl, certPath, clientId, clientSecret, authorizeUrl, tokenUrl })}\n`);
	if (!watchStdin && !options.quiet) {
		process.stderr.write(
			`\nFlextell sandbox ready. Base URL ${baseUrl} (API version v0.0.1), ` +
				`client id ${clientId}, secret ${clientSecret}.\n` +
				`Collections: ${sandbox.config.collections.join(', ')}` +
				`${seeded ? ` (seeded: ${seeded.contacts} contacts, ${seeded.tickets} tickets)` : ''}.\n` +
				`Trust its certificate with NODE_EXTRA_CA_CERTS=${certPath}\n` +
				`${Number.isFinite(options.lifetimeSeconds) ? `Stops after ${options.lifetimeSeconds} s or on Ctrl-C.` : 'Press Ctrl-C to stop.'}\n\n`,
		);
	}
}

main().catch((err) => {
	process.stderr.write(`flextell-sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
