// @ts-check
// End-to-end: the Flextell tool inside a real n8n's AI Agent. Manual Trigger → AI Agent, whose
// OpenAI Chat Model's Base URL points at the scripted model (sandbox/scripted-model.js, plain
// HTTP on 127.0.0.1), with three Flextell tools against the Flextell sandbox: "Flextell" (GET, the
// path written by the model), "List tickets" (GET, a query parameter written by the model) and
// "Create contact" (POST, the body written by the model). Then example 05 as shipped.
// One `n8n execute` per n8n version: the prompt scripts every case as a tool call of its own, and
// the scripted model's log (every request n8n sent it) is the evidence the assertions read.
// Run with `npm run test:e2e` (test/e2e/run.js sets FLEXTELL_N8N_VERSION and FLEXTELL_E2E_PACK_DIR).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { agentWorkflow, flextellTool, modelCredentialRecord, MODEL_CREDENTIAL } = require('../../scripts/lib/agent');
const { apiRequests } = require('../../scripts/lib/sandbox');
const { startScriptedModel } = require('../../sandbox/scripted-model');
const { CRED } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const install = n8nPaths(VERSION);
const WORKFLOW_ID = 'e2eAgentFlextel1';
const API = '/api/v0.0.1';
const NOTES = 2000;
const EXAMPLE = path.join(n8n.ROOT, 'examples', '05-ai-agent-flextell-tool.json');

/** The calls the scripted model makes, in order: [tool, arguments, what it shows]. */
const CASES = /** @type {const} */ ([
	['Flextell', { path: 'contacts/obj_ada' }, 'GET one record'],
	['Create_contact', { body: { name: 'Grace Hopper', email: 'grace@example.com' } }, 'POST with a model-written body'],
	['Flextell', { path: 'contats' }, '404: a mistyped collection'],
	['Create_contact', { body: { email: 'no-name@example.com' } }, '422: a required field missing'],
	['Flextell', { path: 'tickets' }, '429 with Retry-After: 1, held'],
	['Flextell', { path: `notes?limit=${NOTES}` }, `a ${NOTES}-record answer`],
	['Flextell', { path: '../../oauth/token' }, 'a path that leaves the API'],
	['Create_contact', { body: ['not', 'an', 'object'] }, 'a body that is not a JSON object'],
	['List_tickets', { status: 'open' }, 'a query parameter written by the model'],
]);
const PROMPT = ['Use the Flextell tools as scripted.', ...CASES.map(([tool, args]) => `CALL ${tool} ${JSON.stringify(args)}`)].join('\n');

/** @type {any} */ let sb;
/** @type {Awaited<ReturnType<typeof startScriptedModel>>} */ let model;
/** @type {string} */ let work;
/** @type {any} */ let tokens;
/** @type {any} */ let run;
/** @type {string | undefined} */ let ownPack;
/** @type {string} */ let exampleFolder;
/** @type {any[]} */ let toolResults = [];
/** @type {string} */ let toolDescription;
const timings = /** @type {Record<string, number>} */ ({});

/** @param {string} userFolder @param {string[]} args @param {number} [timeoutMs] */
async function cli(userFolder, args, timeoutMs = 150_000) {
	const env = n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort() });
	const r = await n8n.runN8n(install, args, { env, timeoutMs });
	if (r.timedOut) throw new Error(`n8n ${args.join(' ')} timed out after ${timeoutMs} ms\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return r;
}

/** Tool messages n8n sent the model in its last request, in order, parsed. */
function lastToolMessages() {
	const last = model.completions().at(-1);
	return (last?.body?.messages ?? []).filter((/** @type {any} */ m) => m.role === 'tool').map((/** @type {any} */ m) => String(m.content));
}

/** The one item a tool call gave the model. @param {number} i */
const result = (i) => {
	const parsed = JSON.parse(toolResults[i]);
	expect(Array.isArray(parsed)).toBe(true);
	expect(parsed).toHaveLength(1);
	return parsed[0];
};

beforeAll(async () => {
	const t0 = Date.now();
	const started = await startSuite(VERSION, 'agent', { requiredFields: { contacts: ['name'] }, maxPageSize: NOTES });
	({ sb, work, ownPack } = started);
	const { packDir } = started;
	toolDescription = require('../../dist/nodes/Flextell/FlextellDescription').TOOL_DESCRIPTION;
	model = await startScriptedModel({ lifetimeSeconds: 900 });
	const folder = path.join(work, 'n8n');
	fs.mkdirSync(folder);
	n8n.installPackage(folder, 'pack', packDir);

	tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	const credFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens }), modelCredentialRecord({ baseUrl: model.baseUrl })]));
	const workflow = agentWorkflow({
		id: WORKFLOW_ID,
		name: 'e2e: AI Agent with the Flextell tool',
		prompt: PROMPT,
		maxIterations: 20,
		tools: [
			flextellTool('Flextell', { method: 'GET', path: "={{ $fromAI('path', 'Resource path relative to the API version, e.g. contacts or contacts/<id>', 'string') }}" }, CRED.main),
			flextellTool(
				'List tickets',
				{ method: 'GET', path: 'tickets', queryParameters: { parameters: [{ name: 'status', value: "={{ $fromAI('status', 'Only tickets with this status, e.g. open', 'string') }}" }] } },
				CRED.main,
			),
			flextellTool(
				'Create contact',
				{ method: 'POST', path: 'contacts', jsonBody: "={{ $fromAI('body', 'The new contact as a JSON object, e.g. {\"name\": \"Ada\"}', 'json') }}" },
				CRED.main,
			),
		],
	});
	const wfFile = path.join(work, 'workflow.json');
	fs.writeFileSync(wfFile, JSON.stringify(workflow));
	let r = await cli(folder, ['import:credentials', `--input=${credFile}`]);
	if (r.code !== 0) throw new Error(`import:credentials failed\n${r.stdout}\n${r.stderr}`);
	r = await cli(folder, ['import:workflow', `--input=${wfFile}`]);
	if (r.code !== 0) throw new Error(`import:workflow failed\n${r.stdout}\n${r.stderr}`);
	r = await cli(folder, ['import:workflow', `--input=${EXAMPLE}`]);
	if (r.code !== 0) throw new Error(`import:workflow (example 05) failed\n${r.stdout}\n${r.stderr}`);
	exampleFolder = folder;
	timings['n8n folder (migrations + imports)'] = Date.now() - t0;

	// The data the cases read; the 429 meets the tickets list once.
	sb.seed('contacts', [{ id: 'obj_ada', name: 'Ada Lovelace', email: 'ada@example.com' }]);
	sb.seed('tickets', [
		{ title: 'Printer on fire', status: 'open' },
		{ title: 'Old request', status: 'closed' },
	]);
	sb.seed(
		'notes',
		Array.from({ length: NOTES }, (_, i) => ({ title: `Note ${i + 1}`, body: `${'Lorem ipsum dolor sit amet. '.repeat(36)}`.slice(0, 1000) })),
	);
	sb.injectFaults([{ kind: 'rate_limit', retryAfter: 1, match: { method: 'GET', path: `${API}/tickets` } }]);

	const t1 = Date.now();
	r = await cli(folder, ['execute', `--id=${WORKFLOW_ID}`, '--rawOutput'], 170_000);
	timings[`n8n execute (the agent, ${CASES.length} tool calls)`] = Date.now() - t1;
	run = { ...r, result: n8n.parseExecuteOutput(r.stdout) };
	toolResults = lastToolMessages();
}, 330_000);

afterAll(async () => {
	await model?.close();
	await endSuite({ sb, work, ownPack });
	const lines = Object.entries(timings).map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(6)} s  ${k}`);
	process.stderr.write(`\n[e2e agent, n8n ${VERSION}] timings\n${lines.join('\n')}\n`);
});

describe(`n8n ${VERSION}: AI Agent + scripted model + the Flextell tool`, () => {
	test('the execution succeeds; every tool call reached the model as a tool message; the final answer quotes them', () => {
		const explain = `exit ${run.code}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`;
		const error = run.result?.data?.resultData?.error;
		expect(run.code === 0 && run.result && !error ? 'succeeded' : `${error?.message ?? ''} ${error?.description ?? ''}\n${explain}`).toBe('succeeded');
		expect(toolResults.length === CASES.length ? 'all' : explain).toBe('all');
		// one request per model turn: a tool call each, then the final answer
		expect(model.completions()).toHaveLength(CASES.length + 1);
		const output = n8n.nodeItems(run.result, 'AI Agent')?.[0]?.output;
		expect(output).toContain(`Flextell returned: ${toolResults[0]}`);
		expect(output).toContain(`Create_contact returned: ${toolResults[1]}`);
		// Decision (docs): a failed call is a result, not an error; no tool run is marked as failed.
		const runData = run.result.data.resultData.runData;
		const runs = ['Flextell', 'Create contact', 'List tickets'].flatMap((name) => runData[name] ?? []);
		expect(runs).toHaveLength(CASES.length);
		expect(runs.filter((r) => r.error || r.executionStatus === 'error')).toEqual([]);
	});

	test('n8n sends the model the tool description and a parameter schema from $fromAI', () => {
		const tools = model.completions()[0].body.tools;
		const byName = Object.fromEntries(tools.map((/** @type {any} */ t) => [t.function.name, t.function]));
		expect(Object.keys(byName).sort()).toEqual(['Create_contact', 'Flextell', 'List_tickets']);
		expect(byName.Flextell.description).toBe(toolDescription);
		expect(toolDescription).toMatch(/relative to the API version/);
		expect(toolDescription).toMatch(/contacts\?status=open/);
		expect(byName.Flextell.parameters.properties.path).toMatchObject({ type: 'string', description: expect.stringMatching(/Resource path/) });
		expect(byName.Create_contact.parameters.properties.body.description).toMatch(/JSON object/);
		expect(byName.List_tickets.parameters.properties.status).toMatchObject({ type: 'string' });
	});

	test('GET: the record itself', () => {
		expect(result(0)).toMatchObject({ id: 'obj_ada', name: 'Ada Lovelace', email: 'ada@example.com' });
	});

	test('POST: the body the model wrote reaches Flextell; the created record comes back', () => {
		const created = result(1);
		expect(created).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com', id: expect.stringMatching(/^obj_/) });
		const posts = apiRequests(sb).filter((/** @type {any} */ e) => e.method === 'POST' && e.path === `${API}/contacts`);
		expect(posts.map((/** @type {any} */ e) => e.status)).toEqual([201, 422]);
	});

	test('404: status, Flextell code and message, hint, next step, the request tried', () => {
		expect(result(2)).toEqual({
			error: expect.objectContaining({
				status: 404,
				code: 'not_found',
				message: expect.stringMatching(/contats/),
				hint: expect.stringMatching(/Check the Path/),
				next_step: expect.stringMatching(/relative to the API version/),
				request: 'GET contats',
				sent: true,
			}),
		});
	});

	test('422: status, code and the message naming the field', () => {
		expect(result(3).error).toMatchObject({ status: 422, code: expect.any(String), message: expect.stringMatching(/name/), hint: expect.stringMatching(/field/), request: 'POST contacts' });
	});

	test('429: held until Retry-After, the model gets the data, never the rate limit', () => {
		expect(result(4)).toMatchObject({ shown: 2, total: 2, more: false, records: [expect.objectContaining({ title: 'Printer on fire' }), expect.objectContaining({ title: 'Old request' })] });
		const tickets = apiRequests(sb).filter((/** @type {any} */ e) => e.target === `${API}/tickets`);
		expect(tickets.map((/** @type {any} */ e) => e.status)).toEqual([429, 200]);
		expect(tickets[1].time - tickets[0].time).toBeGreaterThanOrEqual(1000);
		expect(tickets.map((/** @type {any} */ e) => e.early)).toEqual([false, false]);
	});

	test(`a ${NOTES}-record answer: at most 20 000 characters, the first records whole, a note with shown of total`, () => {
		expect(toolResults[5].length).toBeLessThanOrEqual(20_000);
		const list = result(5);
		expect(list.total).toBe(NOTES);
		expect(list.more).toBe(true);
		expect(list.shown).toBe(list.records.length);
		expect(list.shown).toBeGreaterThan(5);
		expect(list.records.map((/** @type {any} */ r) => r.title)).toEqual(Array.from({ length: list.shown }, (_, i) => `Note ${i + 1}`));
		expect(list.note).toMatch(new RegExp(`^Showing ${list.shown} of ${NOTES} records`));
		expect(list.note).toMatch(/Limit of 50/);
	});

	test('refused before sending: a path that leaves the API, a body that is not a JSON object', () => {
		expect(result(6).error).toMatchObject({ status: null, code: 'invalid_request', sent: false, request: 'GET ../../oauth/token' });
		expect(result(7).error).toMatchObject({ status: null, sent: false, message: expect.stringMatching(/JSON object/) });
		expect(apiRequests(sb).filter((/** @type {any} */ e) => /oauth/.test(e.path))).toEqual([]);
	});

	test('example 05 (AI Agent + Flextell tool, the scripted model as its stand-in credential) runs and answers from Flextell', async () => {
		const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
		const modelNode = example.nodes.find((/** @type {any} */ n) => n.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi');
		expect(modelNode.credentials.openAiApi).toEqual(MODEL_CREDENTIAL);
		const before = model.completions().length;
		const t0 = Date.now();
		const r = await cli(exampleFolder, ['execute', `--id=${example.id}`, '--rawOutput'], 170_000);
		timings['n8n execute (example 05)'] = Date.now() - t0;
		const out = n8n.parseExecuteOutput(r.stdout);
		expect(r.code === 0 && out && !out.data.resultData.error ? 'succeeded' : `exit ${r.code}\n${r.stdout.slice(-3000)}`).toBe('succeeded');
		const calls = model.completions().slice(before);
		expect(calls).toHaveLength(2);
		// the path the prompt names (n8n adds an id when it replays the call)
		const toolCall = calls[1].body.messages.find((/** @type {any} */ m) => m.tool_calls)?.tool_calls[0];
		expect(JSON.parse(toolCall.function.arguments)).toMatchObject({ path: 'tickets?status=open' });
		expect(n8n.nodeItems(out, 'AI Agent')?.[0]?.output).toMatch(/^Flextell returned: \[\{"shown":1,"total":1,"more":false,"records":\[\{.*"title":"Printer on fire"/);
	}, 180_000);

	test('a query parameter the model wrote ($fromAI in Query Parameters) reaches Flextell', () => {
		expect(result(8)).toMatchObject({ shown: 1, total: 1, records: [expect.objectContaining({ title: 'Printer on fire', status: 'open' })] });
		expect(apiRequests(sb).some((/** @type {any} */ e) => e.target === `${API}/tickets?status=open` && e.status === 200)).toBe(true);
	});

	test('no access token, refresh token or client secret in anything the model received', () => {
		const everything = JSON.stringify(model.log);
		expect(everything.length).toBeGreaterThan(10_000);
		for (const secret of [tokens.access_token, tokens.refresh_token, sb.clientSecret]) expect(everything).not.toContain(secret);
		// the model's own key is the stand-in's, sent to the model only
		expect(model.log.every((e) => String(e.headers.authorization) === 'Bearer stand-in-key-not-secret')).toBe(true);
		expect(MODEL_CREDENTIAL.name).toMatch(/stand-in/);
	});
});
