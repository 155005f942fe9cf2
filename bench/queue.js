// @ts-check
// The queue-mode workload group of `npm run bench` (`--only queue`): the rate-limited run in n8n's
// queue mode — a main instance and two workers on PostgreSQL and Redis (scripts/lib/queue.js, as
// the demo and the e2e suite run it) — for the Flextell node and n8n's HTTP Request node. The
// items are split over several executions started at once by webhooks, so both workers work at
// the same time against one rate limit (one token); each worker has its own gate (per process).
// Writes its table into docs/benchmarks.md between the QUEUE markers (the rest of the file stays).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureN8n } = require('../scripts/ensure-n8n');
const n8n = require('../scripts/lib/n8n');
const { startQueueCluster, QUEUE_VERSION } = require('../scripts/lib/queue');
const { apiRequests, openSandbox } = require('../scripts/lib/sandbox');
const { fixedId, fixedUuid, webhookWorkflow } = require('../scripts/lib/workflows');
const wf = require('./lib/workflows');

const MARK_START = '<!-- QUEUE MODE: written by npm run bench -- --only queue -->';
const MARK_END = '<!-- /QUEUE MODE -->';
const EXECUTIONS = 4;

/** The measured node (Target) behind a webhook and a Split Out of the posted items. @param {string} key @param {any} target */
function queueWorkflow(key, target) {
	const id = fixedId(`bench:queue:${key}`);
	return webhookWorkflow(id, `bench: queue ${key}`, `flextell-bench-queue-${key}`, [
		{ id: fixedUuid(`${id}:items`), name: 'Items', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'body.items', options: {} } },
		target,
	]);
}

/**
 * Runs the group and returns its figures.
 * @param {{ sizes: { rateItems: number, limit: number, windowSeconds: number }, reps: number, modes: string[], say: (s: string) => void, packDir?: string, fits: (ms: number) => boolean }} o
 */
async function runQueue(o) {
	const install = ensureN8n(QUEUE_VERSION);
	const sb = await openSandbox({ lifetimeSeconds: 7200, certDir: undefined, requiredFields: {}, maxPageSize: 1000, tokenTtlSeconds: 7 * 86400 });
	const token = sb.issueToken({ scope: 'read write', ttlSeconds: 7 * 86400 });
	const ids = Array.from({ length: o.sizes.rateItems }, (_, i) => `obj_queue${String(i).padStart(6, '0')}`);
	const apiBase = `${sb.baseUrl}/v0.0.1`;
	const contenders = [
		{ key: 'flextell', label: `Flextell node, concurrency 1 — ${EXECUTIONS} executions over 2 workers`, w: queueWorkflow('flextell', wf.flextellGetNode(1)) },
		{ key: 'http', label: `HTTP Request node, Retry On Fail (5 tries, 1000 ms) — ${EXECUTIONS} executions over 2 workers`, w: queueWorkflow('http', wf.httpGetNode(apiBase, null)) },
	];
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-queue-'));
	for (const c of contenders) fs.writeFileSync(path.join(dir, `${c.w.id}.json`), JSON.stringify(c.w));
	const t0 = Date.now();
	o.say('queue mode: starting PostgreSQL, Redis, n8n main and 2 workers…');
	const cluster = await startQueueCluster({
		install,
		certPath: sb.certPath,
		packDir: o.packDir,
		workers: 2,
		credentials: [n8n.credentialRecord({ ...wf.CREDENTIAL, sandbox: sb, tokens: token })],
		workflowsDir: dir,
		activate: contenders.map((c) => c.w.id),
	});
	const startupS = (Date.now() - t0) / 1000;
	/** @type {Record<string, { idealS: number, rows: { key: string, label: string, runs: any[] }[] }>} */
	const results = {};
	const idealS = o.sizes.rateItems / (o.sizes.limit / o.sizes.windowSeconds);
	try {
		for (const mode of o.modes) results[mode] = { idealS, rows: contenders.map((c) => ({ key: c.key, label: c.label, runs: [] })) };
		for (let rep = 0; rep < o.reps; rep++) {
			for (const mode of o.modes) {
				for (const [i, c] of contenders.entries()) {
					if (!o.fits(idealS * 3000 + 30_000)) continue;
					sb.reset();
					sb.seed('contacts', ids.map((id, n) => ({ id, name: `Contact ${n}` })));
					sb.configure({ pagination: 'cursor', rateLimit: { limit: o.sizes.limit, windowSeconds: o.sizes.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9, headers: mode } });
					const m = await oneRun(cluster, sb, `flextell-bench-queue-${c.key}`, ids);
					results[mode].rows[i].runs.push(m);
					o.say(`queue ${mode} headers ${c.key} run ${rep + 1}: wall ${m.wallS.toFixed(2)} s, req ${m.requests}, 429 ${m.r429}, early ${m.early}, ok ${m.ok}, failed ${m.failed}, workers ${m.workers}`);
				}
			}
		}
	} finally {
		await cluster.stop();
		await sb.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
	return { startupS, executions: EXECUTIONS, results, timings: cluster.timings };
}

/**
 * Posts the items in EXECUTIONS parts at once; measures from the first API request to the last.
 * @param {any} cluster @param {any} sb @param {string} hook @param {string[]} ids
 */
async function oneRun(cluster, sb, hook, ids) {
	const per = Math.ceil(ids.length / EXECUTIONS);
	const before = new Set(Object.keys(cluster.whoRan()));
	const answers = await Promise.all(
		Array.from({ length: EXECUTIONS }, async (_, i) => {
			const part = ids.slice(i * per, (i + 1) * per);
			const res = await fetch(`${cluster.base}/webhook/${hook}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ items: part.map((id) => ({ id })) }),
				signal: AbortSignal.timeout(600_000),
			}).catch((e) => ({ ok: false, status: 0, json: async () => String(e) }));
			const body = await res.json().catch(() => null);
			const ok = res.ok && Array.isArray(body) ? body.filter((x) => x && typeof x === 'object' && x.id).length : 0;
			return { ok, failed: part.length - ok, error: res.ok ? undefined : `webhook ${res.status}` };
		}),
	);
	const api = apiRequests(sb).filter((r) => r.path.startsWith('/api/')).sort((a, b) => a.seq - b.seq);
	const who = cluster.whoRan();
	const workers = [...new Set(Object.entries(who).filter(([id]) => !before.has(id)).flatMap(([, v]) => v.worker))].sort().join('+');
	return {
		wallS: api.length ? (api[api.length - 1].time - api[0].time) / 1000 : NaN,
		requests: api.length,
		r429: api.filter((r) => r.status === 429).length,
		early: api.filter((r) => r.early).length,
		ok: answers.reduce((s, a) => s + a.ok, 0),
		failed: answers.reduce((s, a) => s + a.failed, 0),
		error: answers.map((a) => a.error).filter(Boolean)[0],
		workers,
	};
}

/** @param {number[]} xs */
const median = (xs) => {
	const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
	return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
};

/**
 * The group's Markdown section.
 * @param {Awaited<ReturnType<typeof runQueue>>} q @param {{ rateItems: number, limit: number, windowSeconds: number }} sizes @param {string} command
 */
function renderQueue(q, sizes, command) {
	const L = [MARK_START, ''];
	L.push(`## Queue mode: n8n main + 2 workers, ${sizes.rateItems} GET items under a limit of ${sizes.limit} requests per ${sizes.windowSeconds} s`);
	L.push('');
	L.push(`Produced by \`${command}\` on ${new Date().toISOString()} with n8n ${QUEUE_VERSION} in queue mode (PostgreSQL 15, Redis 7; main: \`n8n start\`,`);
	L.push(`workers: \`n8n worker --concurrency=10\`), the package as \`npm pack\` ships it on every instance, one credential (one token, so one`);
	L.push(`limit for all). The items go out as ${q.executions} executions started at once by webhooks; n8n spread them over both workers. Each`);
	L.push('worker process has its own gate: what one worker learns from a 429 or from the headers, the other learns from its own answers.');
	L.push(`Wall time: first API request to last (the ideal is ${(sizes.rateItems / (sizes.limit / sizes.windowSeconds)).toFixed(0)} s at the limit). Cluster start-up: ${q.startupS.toFixed(0)} s.`);
	L.push('CPU and memory are not given: the work is spread over three n8n processes plus the task runners.');
	L.push('');
	const f = (/** @type {number} */ x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
	for (const [mode, r] of Object.entries(q.results)) {
		L.push(`### Rate-limit headers: ${mode === 'none' ? 'none (as the seed documents; Retry-After in seconds on 429)' : `${mode} style, and Retry-After in seconds on 429`}`);
		L.push('');
		L.push('| Contender | wall s | ÷ ideal | requests | 429s | early | failed items | workers | runs |');
		L.push('|---|---|---|---|---|---|---|---|---|');
		for (const row of r.rows) {
			const med = (/** @type {string} */ k) => median(row.runs.map((x) => x[k]));
			const errors = [...new Set(row.runs.map((x) => x.error).filter(Boolean))].join('; ');
			L.push(
				`| ${row.label} | ${f(med('wallS'))} | ${f(med('wallS') / r.idealS)} | ${f(med('requests'), 0)} | ${f(med('r429'), 0)} | ${f(med('early'), 0)} | ${f(med('failed'), 0)}${errors ? ` (${errors})` : ''} | ${[...new Set(row.runs.map((x) => x.workers))].join(', ')} | ${row.runs.length} |`,
			);
		}
		L.push('');
	}
	L.push(MARK_END);
	return L.join('\n');
}

/**
 * Puts the section into a Markdown file: in place of an earlier one, else at the end.
 * @param {string} file @param {string} section
 */
function writeSection(file, section) {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const a = text.indexOf(MARK_START);
	const b = text.indexOf(MARK_END);
	const next = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + MARK_END.length) : `${text.trimEnd()}\n\n${section}\n`;
	fs.writeFileSync(file, next);
}

/** The section of an earlier run in a file, to carry over when the other tables are written again. @param {string} file */
function sectionOf(file) {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const a = text.indexOf(MARK_START);
	const b = text.indexOf(MARK_END);
	return a >= 0 && b > a ? text.slice(a, b + MARK_END.length) : '';
}

/**
 * `npm run bench -- --only queue`: builds and packs the package, runs the group, prints its section
 * and puts it into `out` (docs/benchmarks.md) in place of the earlier one; raw figures next to it
 * (docs/benchmarks-queue.json).
 * @param {{ sizes: any, reps: number, say: (s: string) => void, fits: (ms: number) => boolean, out: string|null, command: string, build: boolean }} o
 */
async function runAlone(o) {
	if (o.build) {
		o.say('building the package (npm run build)…');
		const b = require('node:child_process').spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	const packDir = n8n.packPackage();
	try {
		const q = await runQueue({ sizes: o.sizes, reps: o.reps, modes: ['none', 'ietf'], say: o.say, packDir, fits: o.fits });
		const section = renderQueue(q, o.sizes, o.command);
		process.stdout.write(`${section}\n`);
		if (o.out) {
			writeSection(o.out, section);
			fs.writeFileSync(o.out.replace(/\.md$/, '') + '-queue.json', JSON.stringify({ sizes: o.sizes, reps: o.reps, ...q }, null, 1) + '\n');
			o.say(`queue-mode section written to ${path.relative(process.cwd(), o.out)}`);
		}
	} finally {
		fs.rmSync(path.dirname(packDir), { recursive: true, force: true });
	}
}

module.exports = { runQueue, renderQueue, writeSection, sectionOf, runAlone };
