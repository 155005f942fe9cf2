// @ts-check
// n8n in queue mode on one machine: PostgreSQL and Redis (services.js), one main instance
// (`n8n start`: the editor, the triggers, the webhooks) and N workers (`n8n worker`: the
// executions), one encryption key, the package loaded on every instance from a user folder of its
// own (as on separate machines). Shared by `npm run demo -- --queue`, the queue-mode e2e suite and
// the queue-mode bench. stop() ends every process it started and removes its temp folder; so does
// any failure while starting.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const n8n = require('./n8n');
const { freePort, waitFor } = require('./processes');
const services = require('./services');

/** The n8n version queue mode is run and proven with (one is enough: the orchestration is n8n's). */
const QUEUE_VERSION = '2.40.7';

/**
 * Every instance's name (main, worker-1, …) is in this environment variable, so that a workflow can
 * tell which worker runs it (`$env`, with `N8N_BLOCK_ENV_ACCESS_IN_NODE=false`): skewNode() below.
 */
const INSTANCE_ENV = 'FLEXTELL_QUEUE_INSTANCE';

/**
 * A Wait node for right after a webhook: it waits `body.skewMs[<this worker's name>]` ms (none when
 * absent), so that one worker's executions start later than the other's while both keep running
 * (n8n's Wait node sleeps in the process below 65 s). The cluster must run with
 * `extraEnv: { N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false' }`.
 * @param {string} id a node id
 */
function skewNode(id) {
	return {
		id,
		name: 'Skew',
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		parameters: { resume: 'timeInterval', amount: `={{ Number(($json.body.skewMs || {})[$env.${INSTANCE_ENV}] || 0) / 1000 }}`, unit: 'seconds' },
	};
}

/**
 * @typedef {{ node: string, n8nBin: string, dir: string }} Install
 * @typedef {Awaited<ReturnType<typeof n8n.startN8nProcess>>} Running
 * @typedef {{ name: string, env: Record<string,string>, logFile: string, running?: Running,
 *             start: () => Promise<void>, stop: () => Promise<void>, restart: () => Promise<void>, log: () => string }} Instance
 */

/**
 * @typedef {Object} ClusterOptions
 * @property {Install} install
 * @property {string} [certPath]  the sandbox's certificate (NODE_EXTRA_CA_CERTS)
 * @property {number} [workers]  default 2
 * @property {number} [concurrency]  executions at once per worker (n8n's default: 10)
 * @property {'link'|'pack'} [packageMode]  how the package is installed (n8n.installPackage; default 'pack')
 * @property {string} [packDir]  a folder made by n8n.packPackage()
 * @property {number} [mainPort]  default: a free port
 * @property {object[]} [credentials]  records for `n8n import:credentials`
 * @property {string} [workflowsDir]  a folder of workflow files for `n8n import:workflow --separate`
 * @property {string[]} [activate]  ids of imported workflows to publish (active when main starts)
 * @property {Record<string,string>} [extraEnv]  for every instance
 * @property {(s: string) => void} [say]  progress lines
 * @property {(stop: () => Promise<void>, dir: string) => void} [onStop]  given the cluster's stop() and temp folder before anything starts
 */

/**
 * Starts the cluster, in named steps: the services, each instance's environment, the imports (before
 * n8n starts, with the main instance's environment: the first command also runs n8n's migrations on
 * the new database), then main and the workers side by side.
 * @param {ClusterOptions} o
 */
async function startQueueCluster(o) {
	const say = o.say ?? (() => {});
	const { timings, step } = stepTimer();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-queue-'));
	const { stops, stop } = stopsInReverse(() => fs.rmSync(dir, { recursive: true, force: true }));
	// a caller that may be stopped while the cluster starts (the queue demo on Ctrl-C) stops it this way
	o.onStop?.(stop, dir);

	try {
		const bins = await step('PostgreSQL and Redis installed', () => services.ensureServerPackages({ say }));
		say('starting PostgreSQL and Redis…');
		const [pg, redis] = await step('PostgreSQL (initdb + start) and Redis started', () =>
			Promise.all([services.startPostgres({ dir, pgBin: bins.pgBin }), services.startRedis({ dir, redisServer: bins.redisServer })]),
		);
		stops.push(pg.stop, redis.stop);

		const shared = sharedEnv(pg, redis, o.extraEnv);
		const envFor = (/** @type {string} */ name, /** @type {Record<string,string>} */ extra = {}) => instanceEnv(o, dir, shared, name, extra);
		const mainPort = o.mainPort ?? (await freePort());
		const mainEnv = await envFor('main', { N8N_PORT: String(mainPort) });
		const url = `http://localhost:${mainPort}`;
		const base = `http://127.0.0.1:${mainPort}`;
		const cli = mainCli(o.install, mainEnv);
		/** @param {string} sqlText @returns {any[]} rows */
		const sql = (sqlText) => psqlRows(bins.pgBin, pg, sqlText);

		await step('imports (migrations, credentials, workflows)', () => importInto(o, dir, cli, say));
		const main = mainInstance(o, mainEnv, base, sql);
		const workers = await workerInstances(o, envFor);
		for (const w of workers) stops.push(w.stop);
		stops.push(main.stop);
		say(`starting n8n: main and ${workers.length} workers…`);
		await step('n8n main and workers started', () => Promise.all([main.start(), ...workers.map((w) => w.start())]));

		return {
			dir,
			url,
			base,
			main,
			workers,
			postgres: pg,
			redis,
			timings,
			cli,
			sql,
			stop,
			/**
			 * The saved executions (execution_entity + execution_data; `data` parsed from n8n's
			 * 'flatted' form), oldest first.
			 * @param {{ workflowId?: string }} [q]
			 */
			executions: (q = {}) => savedExecutions(sql, o.install, q),
			/**
			 * Which worker ran each execution, from n8n's own logs: every worker logs "Worker started
			 * execution <id>"; the main instance logs "Execution <id> (job <n>) finished" with the
			 * worker's host id.
			 */
			whoRan: () => whoRan(main, workers),
		};
	} catch (e) {
		await stop();
		throw e;
	}
}

/** Seconds per named step of a start (the cluster's `timings`). */
function stepTimer() {
	/** @type {Record<string, number>} seconds per step */
	const timings = {};
	/** @template T @param {string} name @param {() => T | Promise<T>} fn @returns {Promise<T>} */
	const step = async (name, fn) => {
		const t0 = Date.now();
		const r = await fn();
		timings[name] = (Date.now() - t0) / 1000;
		return r;
	};
	return { timings, step };
}

/**
 * The stops of what was started, run last first (each once, errors ignored), then `last`.
 * @param {() => void} last
 */
function stopsInReverse(last) {
	/** @type {(() => Promise<void>)[]} */
	const stops = [];
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		for (const s of stops.reverse()) {
			try {
				await s();
			} catch {}
		}
		last();
	};
	return { stops, stop };
}

/**
 * The environment every instance shares: PostgreSQL, Redis, queue mode.
 * @param {{ host: string, port: number, database: string, user: string }} pg @param {{ host: string, port: number }} redis
 * @param {Record<string,string>} [extraEnv]
 */
function sharedEnv(pg, redis, extraEnv) {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: pg.host,
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		// runs started in the editor go to the workers too, not only trigger and webhook runs
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		...extraEnv,
	};
}

/**
 * One instance's environment, with a user folder of its own holding the package (`N8N_PORT` in
 * `extra`, or a free port).
 * @param {ClusterOptions} o @param {string} dir @param {Record<string,string>} shared @param {string} name @param {Record<string,string>} extra
 */
async function instanceEnv(o, dir, shared, name, extra) {
	const userFolder = path.join(dir, name);
	fs.mkdirSync(userFolder, { recursive: true });
	n8n.installPackage(userFolder, o.packageMode ?? 'pack', o.packDir);
	return n8n.n8nEnv({
		userFolder,
		certPath: o.certPath,
		brokerPort: await freePort(),
		port: Number(extra.N8N_PORT ?? (await freePort())),
		extra: { ...shared, [INSTANCE_ENV]: name, ...extra },
	});
}

/**
 * An n8n CLI command with the main instance's environment; a non-zero exit throws with the output's tail.
 * @param {Install} install @param {Record<string,string>} mainEnv
 */
function mainCli(install, mainEnv) {
	/** @param {string[]} args @param {number} [timeoutMs] */
	return async (args, timeoutMs = 180_000) => {
		const r = await n8n.runN8n(install, args, { env: mainEnv, timeoutMs });
		if (r.code !== 0) throw new Error(`n8n ${args.join(' ')} failed (exit ${r.code ?? r.signal}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
		return r;
	};
}

/**
 * The imports: credentials, workflows, then the workflows to publish.
 * @param {ClusterOptions} o @param {string} dir @param {ReturnType<typeof mainCli>} cli @param {(s: string) => void} say
 */
async function importInto(o, dir, cli, say) {
	if (o.credentials?.length) {
		const file = path.join(dir, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(o.credentials));
		say('importing the credentials (the first n8n command also sets up the database)…');
		await cli(['import:credentials', `--input=${file}`]);
		fs.rmSync(file, { force: true });
	}
	if (o.workflowsDir) {
		say('importing the workflows…');
		await cli(['import:workflow', '--separate', `--input=${o.workflowsDir}`]);
	}
	for (const id of o.activate ?? []) {
		say(`publishing workflow ${id}…`);
		await cli(n8n.activateArgs(o.install, id));
	}
}

/**
 * The main instance (`n8n start`): ready once its REST API answers and the published workflows are
 * active (a failed start stops it and throws with its output's tail).
 * @param {ClusterOptions} o @param {Record<string,string>} mainEnv @param {string} base @param {(sqlText: string) => any[]} sql
 * @returns {Instance}
 */
function mainInstance(o, mainEnv, base, sql) {
	return instance('main', mainEnv, async (onOutput) => {
		const since = sql('select now() as t')[0].t;
		const running = await n8n.startN8nProcess(o.install, ['start'], {
			env: mainEnv,
			what: `n8n main's REST API at ${base}`,
			ready: () => n8n.restApiAnswers(base),
			readyTimeoutMs: 180_000,
			onOutput,
		});
		const expected = o.activate ?? [];
		try {
			await waitFor(`n8n main to activate ${expected.join(', ')}`, () => publishedAndActive(expected, since, sql), { timeoutMs: 120_000, intervalMs: 500 });
		} catch (e) {
			await running.stop(0);
			throw new Error(`${e instanceof Error ? e.message : e}\n--- n8n main (tail)\n${running.output().slice(-6000)}`);
		}
		return running;
	});
}

/**
 * Whether every workflow in `expected` is active. The REST API answers before the published
 * workflows are active. n8n 2.x records each trigger of the published version in
 * workflow_publication_trigger_status: webhooks ('persisted', looked up in the database) are live
 * once 'activated'; pollers live in the main process, which (re)registers them through its
 * publication outbox after each start (`since`: this start). A failed trigger throws.
 * @param {string[]} expected @param {string} since @param {(sqlText: string) => any[]} sql
 */
function publishedAndActive(expected, since, sql) {
	if (!expected.length) return true;
	const list = expected.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ');
	const triggers = sql(
		`select w.id, s."triggerKind" as kind, s.status, s."errorMessage" as error from workflow_entity w join workflow_publication_trigger_status s ` +
			`on s."workflowId" = w.id and s."versionId" = w."activeVersionId" where w.id in (${list})`,
	);
	const failed = triggers.find((t) => t.status === 'failed' || t.error);
	if (failed) throw new Error(`n8n could not activate ${failed.id}: ${failed.error}`);
	const applied = new Set(
		sql(`select "workflowId" from workflow_publication_outbox where status = 'completed' and "updatedAt" >= '${since}' and "workflowId" in (${list})`).map(
			(r) => r.workflowId,
		),
	);
	return expected.every((id) => {
		const mine = triggers.filter((t) => t.id === id);
		return mine.length > 0 && mine.every((t) => t.status === 'activated') && (mine.every((t) => t.kind === 'persisted') || applied.has(id));
	});
}

/**
 * The workers (`n8n worker`), each ready once its health server says so.
 * @param {ClusterOptions} o @param {(name: string, extra?: Record<string,string>) => Promise<Record<string,string>>} envFor
 */
async function workerInstances(o, envFor) {
	/** @type {Instance[]} */
	const workers = [];
	for (let i = 1; i <= (o.workers ?? 2); i++) {
		const healthPort = await freePort();
		const name = `worker-${i}`;
		const env = await envFor(name, { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort) });
		workers.push(
			instance(name, env, (onOutput) =>
				n8n.startN8nProcess(o.install, ['worker', `--concurrency=${o.concurrency ?? 10}`], {
					env,
					what: `n8n ${name}'s readiness on 127.0.0.1:${healthPort}`,
					ready: () => httpOk(`http://127.0.0.1:${healthPort}/healthz/readiness`),
					readyTimeoutMs: 180_000,
					onOutput,
				}),
			),
		);
	}
	return workers;
}

/**
 * The saved executions (execution_entity + execution_data; `data` parsed from n8n's 'flatted'
 * form), oldest first.
 * @param {(sqlText: string) => any[]} sql @param {Install} install @param {{ workflowId?: string }} q
 */
function savedExecutions(sql, install, q) {
	const where = q.workflowId ? `where e."workflowId" = '${q.workflowId.replace(/'/g, "''")}'` : '';
	const rows = sql(
		`select e.id, e."workflowId", e.mode, e.status, e.finished, e."startedAt", e."stoppedAt", d.data from execution_entity e ` +
			`left join execution_data d on d."executionId" = e.id ${where} order by e.id`,
	);
	const { parse } = require(path.join(install.dir, 'node_modules', 'flatted'));
	return rows.map((r) => ({ ...r, id: String(r.id), data: typeof r.data === 'string' ? parse(r.data) : r.data }));
}

/**
 * Which worker ran each execution (see the cluster's whoRan()).
 * @param {Instance} main @param {Instance[]} workers
 * @returns {Record<string, { worker: string[], hostId?: string }>}
 */
function whoRan(main, workers) {
	/** @type {Record<string, { worker: string[], hostId?: string }>} */
	const by = {};
	for (const w of workers) {
		for (const m of w.log().matchAll(/Worker started execution (\w+) \(job/g)) {
			(by[m[1]] ??= { worker: [] }).worker.push(w.name);
		}
	}
	for (const rec of jsonLines(main.log())) {
		const m = /^Execution (\w+) \(job \w+\) finished/.exec(String(rec.message));
		const hostId = rec.workerId ?? rec.metadata?.workerId;
		if (m && hostId) (by[m[1]] ??= { worker: [] }).hostId = hostId;
	}
	return by;
}

/**
 * One n8n process the cluster can stop and start again; `<cluster dir>/<name>.log` keeps the
 * output of every start (log() reads it).
 * @param {string} name @param {Record<string,string>} env @param {(onOutput: (chunk: string) => void) => Promise<Running>} launch
 * @returns {Instance}
 */
function instance(name, env, launch) {
	const logFile = path.join(path.dirname(env.N8N_USER_FOLDER), `${name}.log`);
	const onOutput = (/** @type {string} */ chunk) => {
		try {
			fs.appendFileSync(logFile, chunk);
		} catch {
			// the cluster's folder is gone: it was stopped while this process was still starting
		}
	};
	/** @type {Instance} */
	const self = {
		name,
		env,
		logFile,
		running: undefined,
		async start() {
			self.running = await launch(onOutput);
		},
		async stop() {
			const r = self.running;
			self.running = undefined;
			await r?.stop(30_000);
		},
		async restart() {
			await self.stop();
			await self.start();
		},
		log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
	};
	return self;
}

/** @param {string} url */
async function httpOk(url) {
	try {
		const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
		await r.arrayBuffer();
		return r.ok;
	} catch {
		return false;
	}
}

/** Records of n8n's JSON log format in a log text (other lines skipped). @param {string} text @returns {any[]} */
function jsonLines(text) {
	const out = [];
	for (const line of text.split('\n')) {
		if (!line.startsWith('{')) continue;
		try {
			out.push(JSON.parse(line));
		} catch {}
	}
	return out;
}

/**
 * Rows of one SQL query, through psql (json_agg: one JSON document back).
 * @param {string} pgBin @param {{ host: string, port: number, user: string, database: string }} pg @param {string} sqlText
 */
function psqlRows(pgBin, pg, sqlText) {
	const wrapped = /^\s*select/i.test(sqlText)
		? `select coalesce(json_agg(row_), '[]'::json) from (${sqlText}) row_`
		: `with row_ as (${sqlText}) select coalesce(json_agg(row_), '[]'::json) from row_`;
	const r = spawnSync(
		path.join(pgBin, 'psql'),
		['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-v', 'ON_ERROR_STOP=1', '-qAtc', wrapped],
		{ encoding: 'utf8', timeout: 30_000, maxBuffer: 512 * 1024 * 1024 },
	);
	if (r.status !== 0) throw new Error(`psql failed (exit ${r.status ?? r.signal}): ${r.stderr}\n${sqlText}`);
	return JSON.parse(r.stdout || '[]');
}

module.exports = { startQueueCluster, jsonLines, skewNode, INSTANCE_ENV, QUEUE_VERSION };
