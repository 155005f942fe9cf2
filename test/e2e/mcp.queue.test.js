// @ts-check
// Queue mode: example 06 (MCP Server Trigger ← Flextell tools) published on n8n's main instance
// with one worker, PostgreSQL and Redis (scripts/lib/queue.js), driven by the official MCP SDK
// client. It measures what holds there (docs/mcp.md › Queue mode): the tools are listed, a GET and
// a 404 come back with their fields, a 90-s Retry-After is answered within the tool-call bound with
// retry_after_seconds and no early request (the sandbox's own log), and which process ran the calls.
// Run with `npm run test:e2e:queue` (test/e2e/run.js --queue).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { n8nPaths, isInstalled } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { startQueueCluster, QUEUE_VERSION } = require('../../scripts/lib/queue');
const { apiRequests, openSandbox } = require('../../scripts/lib/sandbox');
const { mcpExamples, MCP_DEMO_CREDENTIAL, mcpDemoCredentialRecord } = require('../../scripts/lib/examples');
const { CRED } = require('./workflows');

const VERSION = process.env.FLEXTELL_N8N_VERSION || QUEUE_VERSION;
const install = n8nPaths(VERSION);
const API = '/api/v0.0.1';
const BOUND_MS = 45_000;
const EXAMPLE = mcpExamples().find((e) => e.number === '06');
const timings = /** @type {Record<string, number>} */ ({});
const figures = /** @type {string[]} */ ([]);

/** @type {any} */ let sb;
/** @type {Awaited<ReturnType<typeof startQueueCluster>>} */ let cluster;
/** @type {string} */ let work;
/** @type {any} */ let client;

/** Calls a tool and parses its one text item. @param {string} name @param {object} args */
async function call(name, args) {
	const t0 = Date.now();
	const result = await client.callTool({ name, arguments: args });
	const items = JSON.parse(String(result.content[0].text));
	expect(items).toHaveLength(1);
	return { json: items[0], ms: Date.now() - t0 };
}

beforeAll(async () => {
	if (!isInstalled(VERSION)) throw new Error(`n8n ${VERSION} is not installed: run \`node scripts/ensure-n8n.js ${VERSION}\``);
	if (!EXAMPLE) throw new Error('examples/06-*.json (the MCP example) is missing');
	const t0 = Date.now();
	sb = await openSandbox({ lifetimeSeconds: 1800, certDir: undefined });
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-e2e-mcp-queue-'));
	const wfDir = path.join(work, 'workflows');
	fs.mkdirSync(wfDir);
	fs.copyFileSync(path.join(n8n.ROOT, 'examples', EXAMPLE.file), path.join(wfDir, EXAMPLE.file));
	const tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	sb.seed('contacts', [{ id: 'obj_ada', name: 'Ada Lovelace' }]);
	cluster = await startQueueCluster({
		install,
		certPath: sb.certPath,
		packDir: process.env.FLEXTELL_E2E_PACK_DIR || undefined,
		workers: 1,
		credentials: [n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens }), mcpDemoCredentialRecord()],
		workflowsDir: wfDir,
		activate: [EXAMPLE.id],
		say: (s) => process.stderr.write(`[mcp queue] ${s}\n`),
	});
	timings['cluster up (PostgreSQL, Redis, import, publish, main + 1 worker)'] = Date.now() - t0;
	const url = new URL(`${cluster.base}/mcp/${EXAMPLE.mcpPath}`);
	const end = Date.now() + 60_000;
	for (;;) {
		const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${MCP_DEMO_CREDENTIAL.token}` } }).catch(() => undefined);
		if (res?.status === 400) break;
		if (Date.now() > end) throw new Error(`${url} not ready (last status ${res?.status})`);
		await new Promise((r) => setTimeout(r, 250));
	}
	const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
	const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
	client = new Client({ name: 'flextell-e2e-queue', version: '1.0.0' });
	await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${MCP_DEMO_CREDENTIAL.token}` } } }));
}, 600_000);

afterAll(async () => {
	await client?.close().catch(() => {});
	await cluster?.stop();
	await sb?.close();
	if (work) fs.rmSync(work, { recursive: true, force: true });
	const lines = Object.entries(timings).map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(6)} s  ${k}`);
	process.stderr.write(`\n[e2e mcp queue mode, n8n ${VERSION}] timings\n${lines.join('\n')}\n[e2e mcp queue mode] figures\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
}, 120_000);

describe(`n8n ${VERSION} in queue mode: example 06 served over MCP (main + 1 worker)`, () => {
	test('tools/list, a GET and a 404 with its fields', async () => {
		const { tools } = await client.listTools();
		expect(tools.map((/** @type {any} */ t) => t.name).sort()).toEqual(['Create_Flextell_record', 'Read_Flextell']);
		const got = await call('Read_Flextell', { path: 'contacts/obj_ada' });
		expect(got.json).toMatchObject({ id: 'obj_ada', name: 'Ada Lovelace' });
		const missing = await call('Read_Flextell', { path: 'contacts/obj_nope' });
		expect(missing.json.error).toMatchObject({ status: 404, code: 'not_found', request: 'GET contacts/obj_nope', sent: true });
		figures.push(`GET ${got.ms} ms, 404 ${missing.ms} ms (client side)`);
	}, 120_000);

	test('a 90-s Retry-After is answered within the bound with retry_after_seconds; nothing sent early', async () => {
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 90, match: { method: 'GET', path: `${API}/tickets` } }]);
		const { json, ms } = await call('Read_Flextell', { path: 'tickets' });
		figures.push(`90-s Retry-After answered in ${ms} ms (client side)`);
		expect(ms).toBeLessThan(BOUND_MS);
		expect(json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 90 });
		expect(apiRequests(sb).filter((/** @type {any} */ e) => e.path === `${API}/tickets`).map((/** @type {any} */ e) => e.status)).toEqual([429]);
		expect(apiRequests(sb).some((/** @type {any} */ e) => e.early)).toBe(false);
		// Where the calls ran, as n8n recorded it (figures only: what n8n saves of MCP calls is its business).
		const runs = cluster.executions({ workflowId: EXAMPLE.id });
		const who = cluster.whoRan();
		figures.push(`executions saved for example 06: ${runs.length} (${runs.map((e) => `${e.id} ${e.mode} ${e.status} on ${(who[e.id]?.worker ?? ['main?']).join('+')}`).join('; ') || 'none'})`);
	}, 120_000);
});
