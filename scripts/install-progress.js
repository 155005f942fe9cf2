#!/usr/bin/env node
// @ts-check
// Progress lines while a long install step runs in another process (scripts/ensure-n8n.js runs
// npm synchronously, so it cannot print meanwhile): every few seconds one line on stderr with
// the time so far and, given a package-lock.json, how much npm has downloaded into its cache so
// far (npm fetches for a minute or so before it unpacks the first package) and how many of the
// lock's packages are on disk yet.
//
//   node scripts/install-progress.js <label> <install dir> [<package-lock.json>]
//
// Stops when its parent process ends (or is killed by it once the step is over).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const INTERVAL_MS = 10_000;
const [label = 'installing', dir = '.', lockFile] = process.argv.slice(2);

/** The install paths (node_modules/…) of the lock's packages that are not optional, or [] without a lock. */
function lockedPackages() {
	if (!lockFile) return [];
	try {
		const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
		return Object.entries(lock.packages ?? {})
			.filter(([key, entry]) => key.startsWith('node_modules/') && !entry.optional)
			.map(([key]) => key);
	} catch {
		return [];
	}
}

/** npm's content cache (where it downloads the tarballs to): $npm_config_cache or ~/.npm. */
const contentDir = path.join(process.env.npm_config_cache || path.join(os.homedir(), '.npm'), '_cacache', 'content-v2');

/** Bytes written into npm's content cache since `since` (epoch ms): what this install downloaded so far. */
function downloadedSince(since) {
	let bytes = 0;
	const walk = (/** @type {string} */ dir) => {
		let entries;
		try {
			entries = fs.readdirSync(dir, { withFileTypes: true });
		} catch {
			return;
		}
		for (const e of entries) {
			const p = path.join(dir, e.name);
			if (e.isDirectory()) walk(p);
			else {
				try {
					const st = fs.statSync(p);
					if (st.mtimeMs >= since) bytes += st.size;
				} catch {}
			}
		}
	};
	walk(contentDir);
	return bytes;
}

const packages = lockedPackages();
const started = Date.now();
const parent = process.ppid;

setInterval(() => {
	if (process.ppid !== parent) process.exit(0);
	const seconds = Math.round((Date.now() - started) / 1000);
	let line = `[ensure-n8n]   … ${label}: ${seconds} s`;
	if (packages.length) {
		const present = packages.filter((p) => fs.existsSync(path.join(dir, p, 'package.json'))).length;
		const mb = Math.round(downloadedSince(started - 1000) / (1024 * 1024));
		// About: some of them are never unpacked here (platform-specific, bundled), so it ends below.
		line += `, ${mb} MB downloaded, ${present ? `${present} of about ${packages.length} packages unpacked` : `unpacking starts once the downloads are in (about ${packages.length} packages)`}`;
	}
	process.stderr.write(`${line}\n`);
}, INTERVAL_MS);
