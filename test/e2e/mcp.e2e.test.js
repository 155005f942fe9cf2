// @ts-check
// End-to-end: Flextell served to an outside AI client through n8n's MCP Server Trigger. Example 06
// as shipped (MCP Server Trigger with Bearer Auth ← "Read Flextell" GET and "Create Flextell
// record" POST, both Flextell tools) is imported, published and served by one `n8n start`; the
// official MCP SDK client (@modelcontextprotocol/sdk, Streamable HTTP, its default 60-s request
// timeout) lists the tools and calls them. The Flextell sandbox's own request log is the evidence
// for what reached Flextell and when.
// Run with `npm run test:e2e` (test/e2e/run.js sets FLEXTELL_N8N_VERSION and FLEXTELL_E2E_PACK_DIR).
// An n8n line without the MCP Server Trigger (checked in its install) runs one test that says so.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { apiRequests } = require('../../scripts/lib/sandbox');
const { mcpExamples, MCP_DEMO_CREDENTIAL, mcpDemoCredentialRecord } = require('../../scripts/lib/examples');
const { CRED } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const install = n8nPaths(VERSION);
const API = '/api/v0.0.1';
const NOTES = 2000;
const EXAMPLE = mcpExamples().find((e) => e.number === '06');
/** The tool-call bound (option Max Call Time) when the node leaves it at its default. */
const BOUND_MS = 45_000;
const MCP_TRIGGER_FILE = path.join(install.dir, 'node_modules', '@n8n', 'n8n-nodes-langchain', 'dist', 'nodes', 'mcp', 'McpTrigger', 'McpTrigger.node.js');
const HAS_MCP_TRIGGER = fs.existsSync(MCP_TRIGGER_FILE);

/** @type {any} */ let sb;
/** @type {string} */ let work;
/** @type {any} */ let tokens;
/** @type {any} */ let server;
/** @type {string | undefined} */ let ownPack;
/** @type {string} */ let mcpUrl;
/** @type {any} */ let client;
/** Everything the client received, for the secrets check. @type {unknown[]} */
const received = [];
const timings = /** @type {Record<string, number>} */ ({});

/** @param {string} userFolder @param {string[]} args */
async function cli(userFolder, args, timeoutMs = 150_000) {
	const env = n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort() });
	const r = await n8n.runN8n(install, args, { env, timeoutMs });
	if (r.timedOut || r.code !== 0) throw new Error(`n8n ${args.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return r;
}

/** n8n's MCP endpoint is ready when a DELETE without a session is refused for that reason (400), not "starting up". */
async function mcpReady(url, timeoutMs = 60_000) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${MCP_DEMO_CREDENTIAL.token}` }, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
		if (res?.status === 400) return;
		if (Date.now() > end) throw new Error(`${url} not ready after ${timeoutMs} ms (last status ${res?.status})`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** A connected SDK client (Streamable HTTP); `token` undefined: no Authorization header. @param {string | undefined} token */
async function connect(token) {
	const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
	const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
	const c = new Client({ name: 'flextell-e2e', version: '1.0.0' });
	const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
	await c.connect(transport);
	return c;
}

/** Calls a tool (the SDK's default request timeout, 60 s) and parses its one text item. @param {string} name @param {object} args */
async function call(name, args) {
	const t0 = Date.now();
	const result = await client.callTool({ name, arguments: args });
	received.push(result);
	const ms = Date.now() - t0;
	expect(result.content).toHaveLength(1);
	expect(result.content[0].type).toBe('text');
	const text = String(result.content[0].text);
	const items = JSON.parse(text);
	expect(Array.isArray(items)).toBe(true);
	expect(items).toHaveLength(1);
	return { json: items[0], text, ms, isError: result.isError };
}

if (!HAS_MCP_TRIGGER) {
	process.stderr.write(`\n[e2e mcp, n8n ${VERSION}] not run: this n8n has no MCP Server Trigger (${MCP_TRIGGER_FILE} is missing)\n`);
	test(`n8n ${VERSION} has no MCP Server Trigger, so Flextell cannot be served over MCP there (version check)`, () => {
		expect(fs.existsSync(MCP_TRIGGER_FILE)).toBe(false);
	});
} else {
	beforeAll(async () => {
		if (!EXAMPLE) throw new Error('examples/06-*.json (the MCP example) is missing');
		const t0 = Date.now();
		const started = await startSuite(VERSION, 'mcp', { requiredFields: { contacts: ['name'] }, maxPageSize: NOTES });
		({ sb, work, ownPack } = started);
		const { packDir } = started;
		const folder = path.join(work, 'n8n');
		fs.mkdirSync(folder);
		n8n.installPackage(folder, 'pack', packDir);
		tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
		const credFile = path.join(work, 'credentials.json');
		fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens }), mcpDemoCredentialRecord()]));
		await cli(folder, ['import:credentials', `--input=${credFile}`]);
		await cli(folder, ['import:workflow', `--input=${path.join(n8n.ROOT, 'examples', EXAMPLE.file)}`]);
		await cli(folder, n8n.activateArgs(install, EXAMPLE.id));
		timings['n8n folder (migrations, imports, publish)'] = Date.now() - t0;

		sb.seed('contacts', [{ id: 'obj_ada', name: 'Ada Lovelace', email: 'ada@example.com' }]);
		sb.seed('tickets', [{ title: 'Printer on fire', status: 'open' }]);
		sb.seed('notes', Array.from({ length: NOTES }, (_, i) => ({ title: `Note ${i + 1}`, body: 'Lorem ipsum dolor sit amet. '.repeat(36).slice(0, 1000) })));

		const t1 = Date.now();
		const port = await n8n.freePort();
		const env = n8n.n8nEnv({ userFolder: folder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port });
		server = await n8n.startN8n(install, { env, readyTimeoutMs: 150_000 });
		mcpUrl = `http://127.0.0.1:${port}/mcp/${EXAMPLE.mcpPath}`;
		await mcpReady(mcpUrl);
		client = await connect(MCP_DEMO_CREDENTIAL.token);
		timings['n8n start → MCP URL ready, client connected'] = Date.now() - t1;
	}, 330_000);

	afterAll(async () => {
		await client?.close().catch(() => {});
		await server?.stop();
		await endSuite({ sb, work, ownPack });
		const lines = Object.entries(timings).map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(6)} s  ${k}`);
		process.stderr.write(`\n[e2e mcp, n8n ${VERSION}] timings\n${lines.join('\n')}\n`);
	});

	describe(`n8n ${VERSION}: example 06 published, the MCP SDK client over Streamable HTTP`, () => {
		test('without the bearer token the MCP URL refuses the client', async () => {
			const res = await fetch(mcpUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
				body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
				signal: AbortSignal.timeout(10_000),
			});
			expect([401, 403]).toContain(res.status);
		});

		test('tools/list: one tool per Flextell node, named from the node name, with its description and the $fromAI keys as input schema', async () => {
			const { tools } = await client.listTools();
			received.push(tools);
			const byName = Object.fromEntries(tools.map((/** @type {any} */ t) => [t.name, t]));
			expect(Object.keys(byName).sort()).toEqual(['Create_Flextell_record', 'Read_Flextell']);
			const read = EXAMPLE.workflow.nodes.find((/** @type {any} */ n) => n.name === 'Read Flextell');
			expect(byName.Read_Flextell.description).toBe(read.parameters.toolDescription);
			expect(byName.Read_Flextell.inputSchema.properties.path).toMatchObject({ type: 'string', description: expect.stringMatching(/relative to the API version/) });
			expect(Object.keys(byName.Create_Flextell_record.inputSchema.properties).sort()).toEqual(['body', 'collection']);
			// a `json` key arrives untyped: its description is all the client learns of it
			expect(byName.Create_Flextell_record.inputSchema.properties.body.type).toBeUndefined();
			expect(byName.Create_Flextell_record.inputSchema.properties.body.description).toMatch(/JSON object/);
		});

		test('GET: the record itself', async () => {
			const { json, isError } = await call('Read_Flextell', { path: 'contacts/obj_ada' });
			expect(isError).toBeFalsy();
			expect(json).toMatchObject({ id: 'obj_ada', name: 'Ada Lovelace', email: 'ada@example.com' });
		});

		test('POST: an object body reaches Flextell as an object; the created record comes back', async () => {
			const { json } = await call('Create_Flextell_record', { collection: 'contacts', body: { name: 'Grace Hopper', email: 'grace@example.com' } });
			expect(json).toMatchObject({ id: expect.stringMatching(/^obj_/), name: 'Grace Hopper', email: 'grace@example.com' });
			const posts = apiRequests(sb).filter((/** @type {any} */ e) => e.method === 'POST' && e.path === `${API}/contacts`);
			expect(posts.map((/** @type {any} */ e) => e.status)).toEqual([201]);
		});

		test("404: the error's fields (status, code, Flextell's message, hint, next step, request, sent)", async () => {
			const { json } = await call('Read_Flextell', { path: 'contacts/obj_nope' });
			expect(json).toEqual({
				error: {
					status: 404,
					code: 'not_found',
					message: "No contacts record with id 'obj_nope'.",
					hint: expect.stringMatching(/^Check the Path/),
					next_step: expect.stringMatching(/relative to the API version/),
					request: 'GET contacts/obj_nope',
					sent: true,
				},
			});
		});

		test(`a ${NOTES}-record list: one bounded answer (at most 20 000 characters) with its note`, async () => {
			const { json, text } = await call('Read_Flextell', { path: `notes?limit=${NOTES}` });
			expect(text.length).toBeLessThanOrEqual(20_000);
			expect(json).toMatchObject({ total: NOTES, more: true });
			expect(json.shown).toBeGreaterThan(5);
			expect(json.shown).toBe(json.records.length);
			expect(json.note).toMatch(new RegExp(`^Showing ${json.shown} of ${NOTES} records`));
		});

		test(`a 90-s Retry-After: answered within the ${BOUND_MS / 1000}-s bound with retry_after_seconds, nothing sent early`, async () => {
			sb.injectFaults([{ kind: 'rate_limit', retryAfter: 90, match: { method: 'GET', path: `${API}/tickets` } }]);
			const { json, ms } = await call('Read_Flextell', { path: 'tickets' });
			timings['the 90-s Retry-After call (client side)'] = ms;
			expect(ms).toBeLessThan(BOUND_MS);
			expect(json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 90, next_step: expect.stringMatching(/retry_after_seconds/), request: 'GET tickets' });
			// a second call right away is answered from the node's gate: nothing sent, the time left
			const again = await call('Read_Flextell', { path: 'tickets?status=open' });
			expect(again.json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', sent: false });
			expect(again.json.error.retry_after_seconds).toBeGreaterThan(80);
			expect(again.json.error.retry_after_seconds).toBeLessThanOrEqual(90);
			const tickets = apiRequests(sb).filter((/** @type {any} */ e) => e.path === `${API}/tickets`);
			expect(tickets.map((/** @type {any} */ e) => e.status)).toEqual([429]);
			expect(apiRequests(sb).some((/** @type {any} */ e) => e.early)).toBe(false);
		}, 120_000);

		test('no access token, refresh token or client secret in anything the client received', () => {
			const all = JSON.stringify(received);
			expect(all.length).toBeGreaterThan(1000);
			for (const secret of [tokens.access_token, tokens.refresh_token, sb.clientSecret]) expect(all).not.toContain(secret);
		});
	});
}
