// @ts-check
// The library baseline: a plain script a developer would write with axios + axios-retry
// (retries 5, exponentialDelay), GETting one URL per item in a loop, one after the other.
// Run as a child process by bench/side-by-side.js with the same Node binary as n8n:
//   node axios-client.js '<json: { urls: string[], token: string, freshAgent?: boolean }>'
// Prints one JSON line: { ok, failed, start, end, firstError } (times on the performance clock, ms).
// Benchmark code only: shipped code never imports axios.
'use strict';
const axios = require('axios');
const axiosRetryModule = require('axios-retry');

const axiosRetry = axiosRetryModule.default ?? axiosRetryModule;

async function main() {
	const { urls, token, freshAgent } = JSON.parse(process.argv[2]);
	// freshAgent: a new https.Agent per request (a new TLS connection each time, no session reuse),
	// as n8n's request helper does; only to show how much of n8n's per-request cost that is.
	const https = require('node:https');
	const client = axios.create({ headers: { Authorization: `Bearer ${token}` } });
	axiosRetry(client, { retries: 5, retryDelay: axiosRetry.exponentialDelay });
	const now = () => performance.timeOrigin + performance.now();
	let ok = 0;
	let failed = 0;
	let firstError;
	const start = now();
	for (const url of urls) {
		try {
			await client.get(url, freshAgent ? { httpsAgent: new https.Agent() } : {});
			ok++;
		} catch (e) {
			failed++;
			firstError ??= /** @type {any} */ (e)?.response?.status ?? String(/** @type {any} */ (e)?.message ?? e);
		}
	}
	const end = now();
	process.stdout.write(JSON.stringify({ ok, failed, start, end, firstError }) + '\n');
}

main().catch((e) => {
	process.stderr.write(String(e?.stack ?? e) + '\n');
	process.exit(1);
});
