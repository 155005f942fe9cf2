// @ts-check
// End-to-end: the packed package inside a real, pinned n8n (scripts/ensure-n8n.js), driven through
// n8n's CLI against the Flextell sandbox over HTTPS (trusted via NODE_EXTRA_CA_CERTS).
// Run with `npm run test:e2e` (test/e2e/run.js sets FLEXTELL_N8N_VERSION and FLEXTELL_E2E_PACK_DIR).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { apiRequests } = require('../../scripts/lib/sandbox');
const processes = require('../../scripts/lib/processes');
const { CRED, WF } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const EXAMPLES_DIR = path.join(n8n.ROOT, 'examples');
const install = n8nPaths(VERSION);
const timings = /** @type {Record<string, number>} */ ({});
const notes = /** @type {string[]} */ ([]);

/** @type {string | undefined} */ let ownPack;
/** @type {any} */ let sb;
/** @type {string} */ let template;
/** @type {string} */ let work;
/** @type {Record<string, any>} */ const tokens = {};

/** @param {string} label @param {number} t0 */
function time(label, t0) {
	timings[label] = Date.now() - t0;
}

async function freshFolder() {
	const dir = fs.mkdtempSync(path.join(work, 'user-'));
	const r = spawnSync('cp', ['-a', `${template}/.`, dir]);
	if (r.status !== 0) throw new Error(`cp -a failed: ${r.stderr}`);
	return dir;
}

/** @param {string} userFolder @param {Record<string,string>} [extra] */
async function envFor(userFolder, extra) {
	return n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort(), extra });
}

/** @param {string} userFolder @param {string[]} args @param {number} [timeoutMs] */
async function cli(userFolder, args, timeoutMs = 120_000) {
	const r = await n8n.runN8n(install, args, { env: await envFor(userFolder), timeoutMs });
	if (r.timedOut) throw new Error(`n8n ${args.join(' ')} timed out after ${timeoutMs} ms\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return r;
}

/**
 * `n8n execute --id --rawOutput` in a fresh copy of the template folder.
 * @param {string} id @param {string} [userFolder]
 */
async function execute(id, userFolder) {
	const folder = userFolder ?? (await freshFolder());
	const r = await cli(folder, ['execute', `--id=${id}`, '--rawOutput']);
	const result = n8n.parseExecuteOutput(r.stdout);
	const text = `${r.stdout}\n${r.stderr}`;
	let code = r.code;
	if (code === null && r.signal && result) {
		// Seen once in CI: n8n printed the finished run, then died by a signal while shutting down.
		// The run itself is what is under test, so its outcome decides; the event is reported.
		code = result.data.resultData.error ? 1 : 0;
		notes.push(`n8n execute --id=${id} ended by ${r.signal} after printing its result (counted as exit ${code})`);
	}
	return { ...r, code, result, text, folder };
}

/** @param {Awaited<ReturnType<typeof execute>>} r */
function explain(r) {
	return `exit ${r.code} signal ${r.signal} (${r.ms} ms)\n--- stdout (tail)\n${r.stdout.slice(-4000)}\n--- stderr (tail)\n${r.stderr.slice(-4000)}`;
}

/** @param {Awaited<ReturnType<typeof execute>>} r */
function expectSuccess(r) {
	if (r.code !== 0 || !r.result || r.result.data.resultData.error) throw new Error(`execution did not succeed: ${explain(r)}`);
}

/** API requests (not control, not OAuth) in the sandbox's log. */
const apiLog = () => apiRequests(sb);

/** Waits until check() returns a truthy value (checked every 500 ms). @template T @param {string} what @param {() => T} check @param {number} timeoutMs */
const waitFor = (what, check, timeoutMs) => processes.waitFor(what, check, { timeoutMs, intervalMs: 500 });

/** List requests (GET /api/v0.0.1/contacts) in the sandbox's log, oldest first. */
function listRequests() {
	return apiLog().filter((/** @type {any} */ e) => e.method === 'GET' && e.path === '/api/v0.0.1/contacts');
}

/** Every error message that n8n printed for a failed execution. @param {Awaited<ReturnType<typeof execute>>} r */
function failureText(r) {
	const parts = [];
	const err = r.result?.data?.resultData?.error;
	if (err) parts.push(err.message, err.description);
	for (const line of r.stdout.split('\n')) {
		try {
			const rec = JSON.parse(line);
			if (typeof rec.message === 'string') parts.push(rec.message);
		} catch {
			parts.push(line);
		}
	}
	parts.push(r.stderr);
	return parts.filter(Boolean).join('\n');
}

beforeAll(async () => {
	const started = await startSuite(VERSION, 'workflows', { lifetimeSeconds: 1800, requiredFields: { contacts: ['name'] } });
	({ sb, work, ownPack } = started);
	const { packDir } = started;
	template = path.join(work, 'template');
	fs.mkdirSync(template);

	const t0 = Date.now();
	n8n.installPackage(template, 'pack', packDir);
	tokens.main = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	tokens.refresh = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	const creds = [
		n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens: tokens.main }),
		n8n.credentialRecord({ ...CRED.refresh, sandbox: sb, tokens: tokens.refresh }),
		n8n.credentialRecord({ ...CRED.http, sandbox: sb, tokens: tokens.main, baseUrl: sb.baseUrl.replace(/^https:/, 'http:') }),
	];
	const credFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify(creds, null, 2));
	const wfDir = path.join(work, 'workflows');
	fs.mkdirSync(wfDir);
	for (const w of Object.values(WF)) fs.writeFileSync(path.join(wfDir, `${w.id}.json`), JSON.stringify(w));
	for (const f of fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'))) fs.copyFileSync(path.join(EXAMPLES_DIR, f), path.join(wfDir, f));

	let r = await cli(template, ['import:credentials', `--input=${credFile}`]);
	if (r.code !== 0) throw new Error(`import:credentials failed\n${r.stdout}\n${r.stderr}`);
	r = await cli(template, ['import:workflow', '--separate', `--input=${wfDir}`]);
	if (r.code !== 0) throw new Error(`import:workflow failed\n${r.stdout}\n${r.stderr}`);
	time('template folder (migrations + imports)', t0);
}, 300_000);

beforeEach(() => {
	sb?.reset();
});

afterAll(async () => {
	await endSuite({ sb, work, ownPack });
	const lines = Object.entries(timings).map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(6)} s  ${k}`);
	process.stderr.write(`\n[e2e n8n ${VERSION}] timings\n${lines.join('\n')}\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
});

describe(`n8n ${VERSION} (real, via its CLI) + Flextell sandbox`, () => {
	test('the package loads in `n8n start`: node and credential types known, icon and codex served', async () => {
		const t0 = Date.now();
		const folder = await freshFolder();
		const env = await envFor(folder);
		const server = await n8n.startN8n(install, { env, readyTimeoutMs: 120_000 });
		try {
			const base = `http://127.0.0.1:${env.N8N_PORT}`;
			await n8n.waitForRestApi(base); // past the "n8n is starting up" page
			// the type files are behind n8n's login: set up the owner as the editor would
			const { headers } = await n8n.ownerSession(base);
			const nodesRes = await fetch(`${base}/types/nodes.json`, { headers });
			expect(nodesRes.status).toBe(200);
			const nodes = /** @type {any[]} */ (await nodesRes.json());
			const node = nodes.find((/** @type {any} */ n) => n.name === n8n.NODE_TYPE);
			expect(node).toBeDefined();
			expect(node.displayName).toBe('Flextell');
			expect(node.version === 1 || (Array.isArray(node.version) && node.version.includes(1))).toBe(true);
			const paramNames = node.properties.map((/** @type {any} */ p) => p.name);
			expect(paramNames).toEqual(expect.arrayContaining(['method', 'path', 'queryParameters', 'jsonBody', 'options']));
			expect(node.credentials.map((/** @type {any} */ c) => c.name)).toContain(n8n.CREDENTIAL_TYPE);
			// codex (Flextell.node.json) was found and merged into the description
			expect(node.codex?.categories?.length).toBeGreaterThan(0);
			// icon: a file the server serves (themed: light + dark)
			const iconUrls = typeof node.iconUrl === 'string' ? [node.iconUrl] : Object.values(node.iconUrl ?? {});
			expect(iconUrls.length).toBeGreaterThan(0);
			for (const u of iconUrls) {
				const res = await fetch(`${base}/${String(u).replace(/^\//, '')}`, { headers });
				expect(res.status).toBe(200);
				expect(await res.text()).toMatch(/<svg/);
			}
			const creds = /** @type {any[]} */ (await (await fetch(`${base}/types/credentials.json`, { headers })).json());
			const cred = creds.find((/** @type {any} */ c) => c.name === n8n.CREDENTIAL_TYPE);
			expect(cred).toBeDefined();
			expect(cred.displayName).toBe('Flextell OAuth2 API');
			expect(cred.extends).toContain('oAuth2Api');
			// no error logged about the package while loading it (the install folder's own path,
			// ~/.cache/n8n-nodes-flextell/…, appears in unrelated stack traces and is left out)
			const errors = server
				.output()
				.split('\n')
				.map((l) => {
					try {
						return JSON.parse(l);
					} catch {
						return null;
					}
				})
				.filter((rec) => rec && rec.level === 'error')
				.map((rec) => String(rec.message).split(install.dir).join('<n8n>'));
			expect(errors.filter((m) => /flextell/i.test(m))).toEqual([]);
		} finally {
			await server.stop();
		}
		time('package loads (n8n start + /types)', t0);
	}, 180_000);

	test('GET list: one output item per record, data unwrapped', async () => {
		const t0 = Date.now();
		sb.seed('contacts', [{ name: 'Ada' }, { name: 'Brendan' }, { name: 'Cy' }]);
		const r = await execute(WF.list.id);
		expectSuccess(r);
		const items = n8n.nodeItems(r.result, 'List contacts');
		expect(items.map((/** @type {any} */ i) => i.name)).toEqual(['Ada', 'Brendan', 'Cy']);
		expect(items[0].id).toMatch(/^obj_/);
		const reqs = apiLog();
		expect(reqs).toHaveLength(1);
		expect(reqs[0].method).toBe('GET');
		expect(reqs[0].path).toBe('/api/v0.0.1/contacts');
		expect(reqs[0].query).toMatchObject({ sort: 'created_at' });
		expect(reqs[0].headers.authorization).toBe(`Bearer ${tokens.main.access_token}`);
		time('GET list', t0);
	}, 180_000);

	test('create / get / patch / put / delete round trip with expressions', async () => {
		const t0 = Date.now();
		const r = await execute(WF.roundTrip.id);
		expectSuccess(r);
		const [created] = n8n.nodeItems(r.result, 'Create');
		expect(created).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com' });
		expect(created.id).toMatch(/^obj_/);
		expect(n8n.nodeItems(r.result, 'Get')).toEqual([created]);
		const [patched] = n8n.nodeItems(r.result, 'Patch');
		expect(patched).toMatchObject({ id: created.id, status: 'vip', seen: 'grace@example.com' });
		const [replaced] = n8n.nodeItems(r.result, 'Replace');
		expect(replaced).toMatchObject({ id: created.id, name: 'Grace Hopper (replaced)' });
		expect(replaced.status).toBeUndefined();
		expect(n8n.nodeItems(r.result, 'Delete')).toEqual([{ success: true }]);
		const seen = apiLog().map((/** @type {any} */ e) => `${e.method} ${e.path} ${e.status}`);
		const p = `/api/v0.0.1/contacts/${created.id}`;
		expect(seen).toEqual([`POST /api/v0.0.1/contacts 201`, `GET ${p} 200`, `PATCH ${p} 200`, `PUT ${p} 200`, `DELETE ${p} 204`]);
		expect(apiLog()[0].headers['content-type']).toMatch(/application\/json/);
		time('create/get/update/delete round trip', t0);
	}, 180_000);

	test("an error body fails the execution with Flextell's message (404 and 422)", async () => {
		const t0 = Date.now();
		let r = await execute(WF.notFound.id);
		expect(r.code).toBe(1);
		const notFound = apiLog()[0];
		expect(notFound.status).toBe(404);
		const text = failureText(r);
		// the sandbox's own message for an unknown id, as n8n reports it
		expect(text).toMatch(/not[ _]found|does not exist|No contacts/i);
		expect(text).not.toContain(tokens.main.access_token);

		sb.reset();
		r = await execute(WF.validation.id);
		expect(r.code).toBe(1);
		expect(apiLog()[0].status).toBe(422);
		expect(failureText(r)).toContain("The 'name' field is required.");
		time('error body -> failed execution (x2)', t0);
	}, 180_000);

	test('continue-on-fail: the failing item becomes {error: {message, code, statusCode}}, the others go on', async () => {
		const t0 = Date.now();
		sb.seed('contacts', [{ name: 'Ada' }, { name: 'Bad' }, { name: 'Cy' }]);
		const r = await execute(WF.continueOnFail.id);
		expectSuccess(r);
		const items = n8n.nodeItems(r.result, 'Get each');
		expect(items).toHaveLength(3);
		expect(items[0].name).toBe('Ada');
		expect(items[2].name).toBe('Cy');
		expect(Object.keys(items[1])).toEqual(['error']);
		expect(items[1].error).toMatchObject({ code: 'not_found', statusCode: 404 });
		expect(typeof items[1].error.message).toBe('string');
		expect(items[1].error.message.length).toBeGreaterThan(0);
		time('continue-on-fail', t0);
	}, 180_000);

	test('429 with Retry-After: 2 — the retry arrives no earlier than the server said (sandbox log)', async () => {
		const t0 = Date.now();
		sb.seed('contacts', [{ name: 'Ada' }]);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 2 }]);
		const r = await execute(WF.retryAfter.id);
		expectSuccess(r);
		expect(n8n.nodeItems(r.result, 'List')).toHaveLength(1);
		const reqs = apiLog();
		expect(reqs.map((/** @type {any} */ e) => e.status)).toEqual([429, 200]);
		const gap = reqs[1].time - reqs[0].time;
		expect(gap).toBeGreaterThanOrEqual(2000);
		expect(gap).toBeLessThan(10_000);
		expect(reqs.some((/** @type {any} */ e) => e.early)).toBe(false);
		notes.push(`429 -> retry gap: ${gap} ms (Retry-After: 2)`);
		time('429 Retry-After honoured', t0);
	}, 180_000);

	test('token refresh: 401 → refresh POST → retried with the new token → written back to n8n', async () => {
		const t0 = Date.now();
		sb.seed('contacts', [{ name: 'Ada' }]);
		const old = tokens.refresh;
		sb.expireAccessToken(old.access_token);
		const r = await execute(WF.refresh.id);
		expectSuccess(r);
		expect(n8n.nodeItems(r.result, 'List')).toHaveLength(1);
		const all = sb.log.filter((/** @type {any} */ e) => !e.control);
		const api = apiLog();
		const refreshCall = all.find((/** @type {any} */ e) => e.path === '/oauth/token');
		expect(api[0].status).toBe(401);
		expect(api[0].headers.authorization).toBe(`Bearer ${old.access_token}`);
		expect(refreshCall).toBeDefined();
		expect(refreshCall.status).toBe(200);
		const last = api[api.length - 1];
		expect(last.status).toBe(200);
		const newAccess = String(last.headers.authorization).replace(/^Bearer /, '');
		expect(newAccess).not.toBe(old.access_token);

		const out = path.join(r.folder, 'exported.json');
		const ex = await cli(r.folder, ['export:credentials', '--all', '--decrypted', `--output=${out}`]);
		expect(ex.code).toBe(0);
		const exported = JSON.parse(fs.readFileSync(out, 'utf8'));
		const stored = exported.find((/** @type {any} */ c) => c.id === CRED.refresh.id);
		expect(stored.data.oauthTokenData.access_token).toBe(newAccess);
		expect(stored.data.oauthTokenData.refresh_token).toBeTruthy();
		expect(stored.data.oauthTokenData.refresh_token).not.toBe(old.refresh_token); // the sandbox rotates it
		time('token refresh written back (execute + export)', t0);
	}, 180_000);

	test('an http:// base URL is refused before anything is sent', async () => {
		const t0 = Date.now();
		const r = await execute(WF.httpBase.id);
		if (r.code !== 1) throw new Error(`expected a failed execution (exit 1): ${explain(r)}`);
		expect(failureText(r)).toMatch(/https/i);
		expect(apiLog()).toHaveLength(0);
		time('http base URL refused', t0);
	}, 180_000);

	describe('Return All: every page of 1 234 records through n8n (100 per page)', () => {
		const COUNT = 1234;
		/** @param {any[]} items */
		const expectAllInOrder = (items) => {
			expect(items).toHaveLength(COUNT);
			expect(new Set(items.map((i) => i.id)).size).toBe(COUNT);
			expect(items.map((i) => i.index)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
			// the sandbox's ids increase with creation: the pages came in order, none repeated or skipped
			for (let i = 1; i < items.length; i++) expect(items[i].id > items[i - 1].id).toBe(true);
		};

		test('cursor (default scheme): 1 234 items in 13 requests; Limit 120 cuts one request of limit=150', async () => {
			const t0 = Date.now();
			sb.seed('contacts', COUNT);
			const r = await execute(WF.returnAllCursor.id);
			expectSuccess(r);
			expectAllInOrder(n8n.nodeItems(r.result, 'List all'));
			const reqs = listRequests();
			const all = reqs.slice(0, 13);
			expect(all.map((/** @type {any} */ e) => e.query.limit)).toEqual(Array(13).fill('100'));
			expect(all[0].query.cursor).toBeUndefined();
			expect(all.slice(1).every((/** @type {any} */ e) => typeof e.query.cursor === 'string' && e.query.cursor.length > 0)).toBe(true);
			expect(all.every((/** @type {any} */ e) => e.status === 200)).toBe(true);
			// "First 120" (Limit 120, the user's limit=150, run once): exactly 120, the oldest, in 1 request as written
			const first = n8n.nodeItems(r.result, 'First 120');
			expect(first.map((/** @type {any} */ i) => i.index)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
			expect(reqs.slice(13).map((/** @type {any} */ e) => e.query)).toEqual([{ limit: '150' }]);
			expect(reqs).toHaveLength(14);
			notes.push(`Return All (cursor): ${COUNT} items, execute took ${r.ms} ms`);
			time('Return All 1 234 (cursor) + Limit 120', t0);
		}, 180_000);

		for (const scheme of /** @type {const} */ (['page', 'link'])) {
			test(`${scheme === 'page' ? 'page number' : 'next link'}: 1 234 items in 13 requests`, async () => {
				const t0 = Date.now();
				sb.configure({ pagination: scheme });
				try {
					sb.seed('contacts', COUNT);
					const r = await execute(scheme === 'page' ? WF.returnAllPage.id : WF.returnAllLink.id);
					expectSuccess(r);
					expectAllInOrder(n8n.nodeItems(r.result, 'List all'));
					const reqs = listRequests();
					expect(reqs).toHaveLength(13);
					expect(reqs.every((/** @type {any} */ e) => e.status === 200)).toBe(true);
					if (scheme === 'page') {
						expect(reqs.map((/** @type {any} */ e) => e.query.page)).toEqual(Array.from({ length: 13 }, (_, i) => String(i + 1)));
						expect(reqs.every((/** @type {any} */ e) => e.query.per_page === '100')).toBe(true);
					} else {
						// the first request is the node's, the others follow the sandbox's next links
						expect(reqs[0].query.cursor).toBeUndefined();
						expect(reqs.slice(1).every((/** @type {any} */ e) => typeof e.query.cursor === 'string' && e.query.limit === '100')).toBe(true);
					}
					expect(reqs.every((/** @type {any} */ e) => e.headers.authorization === `Bearer ${tokens.main.access_token}`)).toBe(true);
				} finally {
					sb.configure({ pagination: 'cursor' });
				}
				time(`Return All 1 234 (${scheme})`, t0);
			}, 180_000);
		}
	});

	test('Flextell Trigger in an active workflow (`n8n start`): silent first poll, then each new record once, oldest first; nothing lost across a restart', async () => {
		const t0 = Date.now();
		const old = sb.seed('contacts', [{ name: 'Old 1' }, { name: 'Old 2' }, { name: 'Old 3' }]);
		const folder = await freshFolder();
		const act = await cli(folder, n8n.activateArgs(install, WF.trigger.id));
		if (act.code !== 0) throw new Error(`activating the workflow failed: ${act.stdout.slice(-2000)}\n${act.stderr.slice(-2000)}`);
		const env = await envFor(folder);
		const tStart = Date.now();
		let server = await n8n.startN8n(install, { env, readyTimeoutMs: 120_000 });
		await n8n.waitForRestApi(`http://127.0.0.1:${env.N8N_PORT}`);
		const tReady = Date.now();
		/** Finished executions of the trigger workflow, read from n8n's database. */
		const done = () => n8n.readExecutions(install, folder, { workflowId: WF.trigger.id }).filter((e) => e.finished || e.status === 'success' || e.status === 'error');
		/** A poll is over once the sandbox answered it and n8n had a moment to handle the answer. */
		const pollsAnswered = () => listRequests().filter((/** @type {any} */ e) => e.status !== null && e.status !== undefined && performance.timeOrigin + performance.now() - e.time > 1500);
		try {
			// 1. the first poll (at activation): it only sets the watermark, nothing is executed
			await waitFor('the first poll', () => pollsAnswered().length >= 1, 60_000);
			const tFirstPoll = listRequests()[0].time;
			expect(listRequests()[0].query).toMatchObject({ sort: '-created_at' });
			expect(done()).toEqual([]);

			// 2. two new records (B newer than A): one execution with A then B
			const base = Date.now();
			const tA = new Date(base).toISOString();
			const tB = new Date(base + 7).toISOString();
			const [a, b] = sb.seed('contacts', [
				{ name: 'New A', created_at: tA, updated_at: tA },
				{ name: 'New B', created_at: tB, updated_at: tB },
			]);
			const first = await waitFor('an execution with the new records', () => done()[0], 60_000);
			expect(first.mode).toBe('trigger');
			expect(first.status).toBe('success');
			expect(n8n.savedNodeItems(first.data, 'New contact').map((/** @type {any} */ i) => i.id)).toEqual([a.id, b.id]);
			expect(n8n.savedNodeItems(first.data, 'Got it').map((/** @type {any} */ i) => i.name)).toEqual(['New A', 'New B']);

			// 3. a third record with exactly B's timestamp, arriving after B was emitted: emitted alone
			const [c] = sb.seed('contacts', [{ name: 'New C', created_at: tB, updated_at: tB }]);
			const second = await waitFor('a second execution', () => done()[1], 60_000);
			expect(second.status).toBe('success');
			expect(n8n.savedNodeItems(second.data, 'New contact').map((/** @type {any} */ i) => i.id)).toEqual([c.id]);

			// 4. one more poll with nothing new: no execution
			const pollsSoFar = listRequests().length; // including one n8n may still be handling
			await waitFor('one more poll', () => pollsAnswered().length > pollsSoFar, 60_000);
			const all = done();
			expect(all).toHaveLength(2);
			const emitted = all.flatMap((e) => n8n.savedNodeItems(e.data, 'New contact'));
			expect(emitted.map((/** @type {any} */ i) => i.name)).toEqual(['New A', 'New B', 'New C']);
			const oldIds = new Set(old.map((/** @type {any} */ o) => o.id));
			expect(emitted.some((/** @type {any} */ i) => oldIds.has(i.id))).toBe(false);
			// the watermark is in the workflow's static data in n8n's database (survives a restart)
			const [row] = n8n.sqliteQuery(install, folder, 'SELECT staticData FROM workflow_entity WHERE id = ?', [WF.trigger.id]);
			const stored = JSON.parse(row.staticData)['node:New contact'];
			expect(stored.watermark).toBe(tB);
			expect([...stored.idsAtWatermark].sort()).toEqual([b.id, c.id].sort());
			const polls = listRequests();
			expect(polls.every((/** @type {any} */ e) => e.status === 200 && e.headers.authorization === `Bearer ${tokens.main.access_token}`)).toBe(true);
			const gaps = polls.slice(1).map((/** @type {any} */ e, /** @type {number} */ i) => Math.round((e.time - polls[i].time) / 100) / 10);
			notes.push(
				`trigger: n8n ready after ${((tReady - tStart) / 1000).toFixed(1)} s, first poll ${((tFirstPoll - tStart) / 1000).toFixed(1)} s after start; ${polls.length} polls, gaps ${gaps.join(', ')} s`,
			);

			// 5. n8n restarts; a record added while it was down is emitted by the poll at activation
			await server.stop();
			const [d] = sb.seed('contacts', [{ name: 'New D (while n8n was down)' }]);
			server = await n8n.startN8n(install, { env, readyTimeoutMs: 120_000 });
			const third = await waitFor('an execution after the restart', () => done()[2], 60_000);
			expect(n8n.savedNodeItems(third.data, 'New contact').map((/** @type {any} */ i) => i.id)).toEqual([d.id]);
			expect(done()).toHaveLength(3);
		} catch (e) {
			const out = server.output().slice(-4000);
			throw new Error(`${e instanceof Error ? e.stack : e}\n--- sandbox list requests\n${JSON.stringify(listRequests().map((/** @type {any} */ r) => [r.time, r.status, r.query]))}\n--- n8n output (tail)\n${out}`);
		} finally {
			await server.stop();
		}
		time('Flextell Trigger in an active workflow (n8n start, 4+ polls, restart)', t0);
	}, 240_000);

	describe('the example workflows (examples/*.json)', () => {
		test('01 schedule/list/filter/update: open high-priority tickets get escalated', async () => {
			const t0 = Date.now();
			sb.seed('tickets', [
				{ subject: 'Printer on fire', status: 'open', priority: 'high' },
				{ subject: 'Coffee machine', status: 'open', priority: 'low' },
				{ subject: 'Old', status: 'closed', priority: 'high' },
				{ subject: 'Server down', status: 'open', priority: 'high' },
			]);
			const r = await execute('flextellExample1');
			expectSuccess(r);
			const updated = n8n.nodeItems(r.result, 'Mark escalated');
			expect(updated.map((/** @type {any} */ t) => [t.subject, t.status])).toEqual([
				['Printer on fire', 'escalated'],
				['Server down', 'escalated'],
			]);
			time('example 01', t0);
		}, 180_000);

		test('02 create then get (expressions across nodes)', async () => {
			const t0 = Date.now();
			const r = await execute('flextellExample2');
			expectSuccess(r);
			const [got] = n8n.nodeItems(r.result, 'Get created contact');
			expect(got).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
			const [final] = n8n.nodeItems(r.result, 'Add company');
			expect(final).toMatchObject({ id: got.id, company: 'Analytical Engines Ltd' });
			time('example 02', t0);
		}, 180_000);

		test('03 bulk update under a tight rate limit (5 per 2 s) finishes with no error', async () => {
			const t0 = Date.now();
			sb.seed('contacts', Array.from({ length: 14 }, (_, i) => ({ name: `Bulk ${i + 1}` })));
			sb.configure({ rateLimit: { limit: 5, windowSeconds: 2, retryAfter: 'seconds', suspendAfter: 3 } });
			try {
				const r = await execute('flextellExample3');
				expectSuccess(r);
				const tagged = n8n.nodeItems(r.result, 'Tag every contact');
				expect(tagged).toHaveLength(14);
				expect(tagged.every((/** @type {any} */ c) => c.tagged === true)).toBe(true);
				const reqs = apiLog();
				expect(reqs.filter((/** @type {any} */ e) => e.status === 429).length).toBeGreaterThan(0);
				expect(reqs.filter((/** @type {any} */ e) => e.method === 'PATCH' && e.status === 200)).toHaveLength(14);
				expect(reqs.some((/** @type {any} */ e) => e.early)).toBe(false);
				notes.push(`example 03: ${reqs.length} API requests, ${reqs.filter((/** @type {any} */ e) => e.status === 429).length} answered 429`);
			} finally {
				sb.configure({ rateLimit: null });
			}
			time('example 03 (bulk, rate limited)', t0);
		}, 180_000);

		test('04 continue-on-fail: the bad item goes down the error output to "Handle failure"', async () => {
			const t0 = Date.now();
			sb.seed('contacts', [{ name: 'Ada' }, { name: 'Brendan' }, { name: 'Cy' }]);
			const r = await execute('flextellExample4');
			expectSuccess(r);
			const failed = n8n.nodeItems(r.result, 'Handle failure');
			const ok = n8n.nodeItems(r.result, 'Use contact');
			expect(failed).toHaveLength(1);
			// n8n merges the error into the input item it came from (Brendan)
			expect(failed[0]).toMatchObject({ name: 'Brendan', error: { code: 'not_found', statusCode: 404 } });
			expect(ok.map((/** @type {any} */ c) => c.name)).toEqual(['Ada', 'Cy']);
			time('example 04', t0);
		}, 180_000);
	});
});
