// @ts-check
// PostgreSQL and Redis for n8n's queue mode, from Debian's packages (apt-installed when missing):
// each a throwaway instance in a temp folder, on a free loopback port, a child of this process
// (registered in processes.js, so it dies with it), stopped and its folder removed by stop().
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { freePort, startProcess, waitFor } = require('./processes');

/** The newest PostgreSQL server's bin folder (/usr/lib/postgresql/<major>/bin), or undefined. */
function postgresBin() {
	const base = '/usr/lib/postgresql';
	const majors = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
	majors.sort((a, b) => Number(b) - Number(a));
	return majors.length ? path.join(base, majors[0], 'bin') : undefined;
}

/** redis-server's path, or undefined. */
function redisBin() {
	const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
	return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/**
 * Makes sure PostgreSQL's server and Redis are installed: Debian's `postgresql` and `redis-server`
 * packages, apt-installed (as root) when missing. Returns what it did and how long it took.
 * @param {{ say?: (s: string) => void }} [o]
 * @returns {{ pgBin: string, redisServer: string, installed: string[], seconds: number }}
 */
function ensureServerPackages(o = {}) {
	const t0 = Date.now();
	/** @type {string[]} */
	const missing = [];
	if (!postgresBin()) missing.push('postgresql');
	if (!redisBin()) missing.push('redis-server');
	if (missing.length) {
		const cmd = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
		if (process.getuid?.() !== 0) throw new Error(`queue mode needs ${missing.join(' and ')}: run \`sudo sh -c '${cmd}'\``);
		o.say?.(`installing ${missing.join(' and ')} (apt-get)…`);
		const r = spawnSync('sh', ['-c', cmd], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8', timeout: 600_000 });
		if (r.status !== 0) throw new Error(`apt-get failed (exit ${r.status ?? r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
	}
	const pgBin = postgresBin();
	const redisServer = redisBin();
	if (!pgBin || !redisServer) throw new Error('PostgreSQL or Redis is still missing after apt-get install');
	return { pgBin, redisServer, installed: missing, seconds: (Date.now() - t0) / 1000 };
}

/** uid and gid of a system user (PostgreSQL refuses to run as root). @param {string} name */
function userIds(name) {
	const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
	const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
	if (uid.status !== 0 || gid.status !== 0) throw new Error(`no system user '${name}' (the postgresql package creates it)`);
	return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * A throwaway PostgreSQL cluster: initdb in `<dir>/pg` (trust auth, superuser `postgres`), the
 * server on a free 127.0.0.1 port (its socket in `dir`, nothing in /var/run), one database created.
 * Runs as the `postgres` user when this process is root.
 * @param {{ dir: string, pgBin: string, database?: string, timeoutMs?: number }} o
 */
async function startPostgres(o) {
	/** @type {{ uid?: number, gid?: number }} */
	const ids = process.getuid?.() === 0 ? userIds('postgres') : {};
	const dir = path.join(o.dir, 'postgres');
	fs.mkdirSync(dir, { recursive: true });
	if (ids.uid !== undefined) {
		// the folder above must be passable for the postgres user
		fs.chmodSync(o.dir, 0o755);
		fs.chownSync(dir, ids.uid, /** @type {number} */ (ids.gid));
	}
	const data = path.join(dir, 'data');
	const logFile = path.join(o.dir, 'postgres.log');
	const init = spawnSync(path.join(o.pgBin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], {
		encoding: 'utf8',
		cwd: dir,
		timeout: 120_000,
		...ids,
	});
	if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status ?? init.signal}):\n${init.stdout}\n${init.stderr}`);
	const port = await freePort();
	const server = startProcess(
		path.join(o.pgBin, 'postgres'),
		['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
		{ logFile, cwd: dir, ...ids },
	);
	const database = o.database ?? 'n8n';
	const psql = (/** @type {string} */ sql) =>
		spawnSync(path.join(o.pgBin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], {
			encoding: 'utf8',
			timeout: 10_000,
		});
	try {
		await waitFor(
			`PostgreSQL on 127.0.0.1:${port}`,
			() => {
				if (server.exited()) throw new Error(`postgres exited:\n${server.output().slice(-3000)}`);
				return psql('select 1').status === 0;
			},
			{ timeoutMs: o.timeoutMs ?? 60_000, intervalMs: 200 },
		);
		const c = psql(`create database ${database}`);
		if (c.status !== 0) throw new Error(`create database failed: ${c.stderr}`);
	} catch (e) {
		await server.stop('SIGKILL', 0);
		throw e;
	}
	return {
		host: '127.0.0.1',
		port,
		database,
		user: 'postgres',
		logFile,
		/** Fast shutdown (SIGINT: roll back open transactions, stop at once). */
		stop: () => server.stop('SIGINT', 10_000),
	};
}

/** Whether a Redis server answers PING on 127.0.0.1:port. @param {number} port */
function redisPing(port) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port });
		let text = '';
		const done = (/** @type {boolean} */ ok) => {
			s.destroy();
			resolve(ok);
		};
		s.setTimeout(1000, () => done(false));
		s.on('error', () => done(false));
		s.on('connect', () => s.write('PING\r\n'));
		s.on('data', (d) => {
			text += d;
			if (text.includes('\r\n')) done(text.startsWith('+PONG'));
		});
	});
}

/**
 * A throwaway Redis: a free 127.0.0.1 port, no persistence (no RDB snapshots, no AOF), its
 * working folder and log in `dir`.
 * @param {{ dir: string, redisServer: string, timeoutMs?: number }} o
 */
async function startRedis(o) {
	const port = await freePort();
	const logFile = path.join(o.dir, 'redis.log');
	const server = startProcess(
		o.redisServer,
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', o.dir],
		{ logFile, cwd: o.dir },
	);
	try {
		await waitFor(
			`Redis on 127.0.0.1:${port}`,
			async () => {
				if (server.exited()) throw new Error(`redis-server exited:\n${server.output().slice(-3000)}`);
				return await redisPing(port);
			},
			{ timeoutMs: o.timeoutMs ?? 30_000, intervalMs: 100 },
		);
	} catch (e) {
		await server.stop('SIGKILL', 0);
		throw e;
	}
	return { host: '127.0.0.1', port, logFile, stop: () => server.stop('SIGTERM', 10_000) };
}

module.exports = { ensureServerPackages, postgresBin, redisBin, startPostgres, startRedis, redisPing };
