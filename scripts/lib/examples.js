// @ts-check
// The example workflows (examples/*.json) run against a running n8n through its REST API, as the
// editor's "Execute workflow" button does: log in (POST /rest/login), start a manual run
// (POST /rest/workflows/<id>/run from the manual trigger), wait for the execution
// (GET /rest/executions/<id>) and decode its run data (n8n stores it in the 'flatted' form).
// Used by `npm run example` (scripts/example.js) and the demo's e2e tests; works with n8n 2.x and 1.x.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { sleep } = require('./processes');

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');

/**
 * @typedef {{ number: string, file: string, id: string, name: string, trigger: string, workflow: any }} Example
 */

/** Every example file in order: number (the file name's leading digits), file, workflow id and title, manual trigger. @returns {Example[]} */
function exampleFiles(dir = EXAMPLES_DIR) {
	return fs
		.readdirSync(dir)
		.filter((f) => /^\d+.*\.json$/.test(f))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
			const trigger = workflow.nodes.find((/** @type {any} */ n) => n.type === 'n8n-nodes-base.manualTrigger');
			return { number: /** @type {RegExpMatchArray} */ (file.match(/^\d+/))[0], file, id: workflow.id, name: workflow.name, trigger: trigger?.name ?? '', workflow };
		});
}

/** The examples that run from a manual trigger (`npm run example`), in file order. @returns {Example[]} */
function listExamples(dir = EXAMPLES_DIR) {
	return exampleFiles(dir).filter((e) => e.trigger !== '');
}

const MCP_TRIGGER_TYPE = '@n8n/n8n-nodes-langchain.mcpTrigger';
/** The bearer credential example 06's MCP Server Trigger names; the demo imports it with this token (local use only). */
const MCP_DEMO_CREDENTIAL = { id: 'mcpDemoBearer01', name: 'MCP clients (demo bearer token)', token: 'flextell-demo-mcp-token' };

/**
 * The examples served to MCP clients once published (an MCP Server Trigger, no manual trigger):
 * each with its trigger's path (the URL is <n8n>/mcp/<path>).
 * @returns {Array<Example & { mcpPath: string }>}
 */
function mcpExamples(dir = EXAMPLES_DIR) {
	return exampleFiles(dir).flatMap((e) => {
		const trigger = e.workflow.nodes.find((/** @type {any} */ n) => n.type === MCP_TRIGGER_TYPE);
		return trigger ? [{ ...e, mcpPath: String(trigger.parameters.path) }] : [];
	});
}

/** The `httpBearerAuth` credential record of MCP_DEMO_CREDENTIAL, for `n8n import:credentials`. */
function mcpDemoCredentialRecord() {
	return { id: MCP_DEMO_CREDENTIAL.id, name: MCP_DEMO_CREDENTIAL.name, type: 'httpBearerAuth', data: { token: MCP_DEMO_CREDENTIAL.token } };
}

/**
 * The examples a user named: a number (`3`, `03`), a file name, a workflow id, or `all`.
 * @param {string[]} names @returns {Example[]}
 */
function pickExamples(names, dir = EXAMPLES_DIR) {
	const all = listExamples(dir);
	if (names.includes('all')) return all;
	return names.map((name) => {
		const hit = all.find((e) => (/^\d+$/.test(name) && Number(e.number) === Number(name)) || e.file === name || e.file === `${name}.json` || e.id === name);
		if (!hit) throw new Error(`no example '${name}': choose one of ${all.map((e) => e.number).join(', ')} or all`);
		return hit;
	});
}

/**
 * Revives n8n's 'flatted' form: a JSON array whose first entry is the value; every string inside
 * an object or array is the index (in decimal) of its entry in the array.
 * @param {string} text @returns {any}
 */
function unflatten(text) {
	const table = JSON.parse(text);
	const done = new Map();
	/** @param {number} i */
	const revive = (i) => {
		if (done.has(i)) return done.get(i);
		const v = table[i];
		if (v === null || typeof v !== 'object') {
			done.set(i, v);
			return v;
		}
		const out = Array.isArray(v) ? [] : /** @type {Record<string, any>} */ ({});
		done.set(i, out);
		for (const [k, x] of Object.entries(v)) /** @type {any} */ (out)[k] = typeof x === 'string' ? revive(Number(x)) : x;
		return out;
	};
	return revive(0);
}

/**
 * Logs in to n8n (the owner account the demo sets up) and returns headers for the REST calls.
 * @param {string} base e.g. http://127.0.0.1:5678 @param {{ email: string, password: string }} user
 * @returns {Promise<Record<string,string>>}
 */
async function login(base, user) {
	const browserId = 'flextell-examples';
	const res = await fetch(`${base}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify({ email: user.email, emailOrLdapLoginId: user.email, password: user.password }),
		signal: AbortSignal.timeout(30_000),
	});
	if (!res.ok) throw new Error(`logging in to ${base} as ${user.email} failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
	const cookie = (res.headers.getSetCookie?.() ?? [])
		.map((c) => c.split(';')[0])
		.filter((c) => c.startsWith('n8n-auth='))
		.join('; ');
	return { cookie, 'browser-id': browserId };
}

/**
 * One REST call; the answer's `data`. @param {string} base @param {Record<string,string>} headers
 * @param {string} method @param {string} url @param {unknown} [body]
 */
async function rest(base, headers, method, url, body) {
	const res = await fetch(`${base}${url}`, {
		method,
		headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
	return JSON.parse(text).data;
}

/**
 * @typedef {{ name: string, startTime: number, ms: number, kind: string, outputs: any[][], outputLabels: string[], error?: string, hints: string[] }} NodeRun
 * @typedef {{ example: Example, executionId: string, status: string, ms: number, error?: { message: string, description?: string, node?: string },
 *             nodes: NodeRun[], leaves: string[], items: (node: string, output?: number) => any[] }} ExampleRun
 */

/**
 * The output names n8n's node types give (a Filter's "Kept" / "Discarded"), asked of n8n itself
 * (POST /rest/node-types, as the editor does; 2.x and 1.x), per type and version. Empty when n8n
 * does not answer: the outputs are then numbered.
 * @param {string} base @param {Record<string,string>} headers @param {any[]} nodes the workflow's nodes
 * @returns {Promise<Map<string, string[]>>}
 */
async function outputNamesOf(base, headers, nodes) {
	// n8n answers with the type's name without its package ('filter' for n8n-nodes-base.filter)
	const key = (/** @type {string} */ type, /** @type {unknown} */ version) => `${type.split('.').pop()}@${version ?? 1}`;
	const infos = [...new Map(nodes.map((n) => [key(n.type, n.typeVersion), { name: n.type, version: n.typeVersion ?? 1 }])).values()];
	/** @type {Map<string, string[]>} */
	const names = new Map();
	try {
		const descriptions = await rest(base, headers, 'POST', '/rest/node-types', { nodeInfos: infos });
		for (const d of Array.isArray(descriptions) ? descriptions : []) {
			const versions = Array.isArray(d.version) ? d.version : [d.version];
			for (const v of versions) if (Array.isArray(d.outputNames)) names.set(key(String(d.name), v), d.outputNames.map(String));
		}
	} catch {
		// numbered outputs
	}
	return new Map(nodes.map((n) => [n.name, names.get(key(n.type, n.typeVersion)) ?? []]));
}

/**
 * What each output of a node is, as n8n's editor names it: with Settings › On Error › "Continue
 * (using error output)" n8n adds an error output after the node's own; the others carry the node
 * type's output names, or a number when it gives none (and a node with one output needs no label).
 * @param {any} node the workflow's node @param {string[]} typeNames @param {number} count
 * @returns {string[]}
 */
function outputLabels(node, typeNames, count) {
	const errorOutput = node?.onError === 'continueErrorOutput' && count > 1;
	return Array.from({ length: count }, (_, i) => {
		if (errorOutput && i === count - 1) return 'error output';
		if (typeNames[i]) return `${typeNames[i]} output`;
		if (count === 1) return '';
		return errorOutput && count === 2 ? 'success output' : `output ${i}`;
	});
}

/**
 * Runs one example in a running n8n from its manual trigger and waits for the execution to end.
 * @param {string} base @param {Record<string,string>} headers from login() @param {Example} example
 * @param {{ timeoutMs?: number }} [o] @returns {Promise<ExampleRun>}
 */
async function runExample(base, headers, example, o = {}) {
	const t0 = Date.now();
	const workflowData = await rest(base, headers, 'GET', `/rest/workflows/${example.id}`);
	// n8n 2.x reads triggerToStartFrom (and ignores workflowData); n8n 1.x needs workflowData too
	const started = await rest(base, headers, 'POST', `/rest/workflows/${example.id}/run`, { workflowData, triggerToStartFrom: { name: example.trigger } });
	if (!started?.executionId) throw new Error(`n8n did not start ${example.file}: ${JSON.stringify(started).slice(0, 300)}`);
	const executionId = String(started.executionId);
	const deadline = Date.now() + (o.timeoutMs ?? 180_000);
	let exec;
	let emptyReads = 0;
	for (;;) {
		exec = await rest(base, headers, 'GET', `/rest/executions/${executionId}`);
		const ended = exec && !['new', 'running', 'waiting'].includes(exec.status) && (exec.finished || exec.stoppedAt);
		// n8n 1.123.81 can answer an ended execution before its run data is stored (its log: "Found
		// successful execution where data is empty stringified array"): read it again, for up to ≈ 6 s
		const noData = !exec?.data || exec.data === '[]';
		if (ended && (!noData || ++emptyReads > 20)) break;
		if (Date.now() > deadline) throw new Error(`execution ${executionId} of ${example.file} still ${exec?.status} after ${o.timeoutMs ?? 180_000} ms`);
		await sleep(300);
	}
	const data = typeof exec.data === 'string' ? unflatten(exec.data) : exec.data;
	const runData = data?.resultData?.runData ?? {};
	const workflowNodes = workflowData?.nodes ?? example.workflow.nodes ?? [];
	const typeOutputNames = await outputNamesOf(base, headers, workflowNodes);
	/** @type {NodeRun[]} */
	const nodes = Object.entries(runData)
		.map(([name, /** @type {any[]} */ runs]) => {
			// `main`, or for an AI sub-node what it gave its agent (ai_languageModel, ai_tool, …)
			const kinds = Object.keys(runs[0]?.data ?? {});
			const kind = kinds.includes('main') ? 'main' : (kinds[0] ?? 'main');
			const outputs = (runs[0]?.data?.[kind] ?? []).map((/** @type {any[]|null} */ _out, /** @type {number} */ i) =>
				runs.flatMap((/** @type {any} */ r) => (r?.data?.[kind]?.[i] ?? []).map((/** @type {any} */ x) => x.json)),
			);
			const node = workflowNodes.find((/** @type {any} */ n) => n.name === name);
			return {
				name,
				startTime: runs[0]?.startTime ?? 0,
				ms: runs.reduce((/** @type {number} */ s, /** @type {any} */ r) => s + (r.executionTime ?? 0), 0),
				kind,
				outputs,
				outputLabels: kind === 'main' ? outputLabels(node, typeOutputNames.get(name) ?? [], outputs.length) : outputs.map(() => ''),
				error: runs.find((/** @type {any} */ r) => r.error)?.error?.message,
				hints: runs.flatMap((/** @type {any} */ r) => (r.hints ?? []).map((/** @type {any} */ h) => String(h.message ?? h))),
			};
		})
		.sort((a, b) => a.startTime - b.startTime);
	// the nodes whose items went nowhere further: what the run produced
	const connections = example.workflow.connections ?? {};
	const ran = new Set(nodes.map((n) => n.name));
	const leaves = nodes
		.filter((n) => n.kind === 'main')
		.filter((n) => {
			const targets = Object.values(connections[n.name] ?? {}).flat(2).map((/** @type {any} */ c) => c?.node);
			return !targets.some((t) => ran.has(t));
		})
		.map((n) => n.name);
	const err = data?.resultData?.error;
	return {
		example,
		executionId,
		status: exec.status ?? (exec.finished ? 'success' : 'error'),
		ms: Date.now() - t0,
		error: err ? { message: String(err.message ?? err), description: err.description ?? undefined, node: err.node?.name } : undefined,
		nodes,
		leaves,
		items: (node, output = 0) => nodes.find((n) => n.name === node)?.outputs[output] ?? [],
	};
}

/**
 * A run as text: status and time, each node with its item count per output, the node hints, and the
 * items of the last nodes (at most maxItems each, one JSON line per item).
 * @param {ExampleRun} r @param {{ maxItems?: number }} [o]
 */
function describeRun(r, o = {}) {
	const max = o.maxItems ?? 5;
	const lines = [`${r.example.number} "${r.example.name}": ${r.status} in ${(r.ms / 1000).toFixed(1)} s (execution ${r.executionId})`];
	const outputName = (/** @type {NodeRun} */ n, /** @type {number} */ i) => (n.outputLabels[i] ? ` (${n.outputLabels[i]})` : '');
	for (const n of r.nodes) {
		const counts =
			n.outputs.map((items, i) => `${items.length} item${items.length === 1 ? '' : 's'}${outputName(n, i)}`).join(', ') +
			(n.kind === 'main' || !n.outputs.length ? '' : ` to its agent (${n.kind})`);
		lines.push(`  ${n.error ? '✗' : '✓'} ${n.name}: ${counts || 'no output'}${n.error ? ` — ${n.error}` : ''}`);
		for (const h of n.hints) lines.push(`      hint: ${h}`);
	}
	if (r.error) lines.push(`  error${r.error.node ? ` in "${r.error.node}"` : ''}: ${r.error.message}${r.error.description ? ` — ${r.error.description}` : ''}`);
	for (const leaf of r.leaves) {
		const node = r.nodes.find((n) => n.name === leaf);
		node?.outputs.forEach((items, i) => {
			if (!items.length) return;
			lines.push(`  ${leaf}${outputName(node, i)}:`);
			for (const item of items.slice(0, max)) lines.push(`    ${JSON.stringify(item)}`);
			if (items.length > max) lines.push(`    … and ${items.length - max} more`);
		});
	}
	return lines.join('\n');
}

module.exports = { EXAMPLES_DIR, listExamples, mcpExamples, MCP_DEMO_CREDENTIAL, mcpDemoCredentialRecord, pickExamples, unflatten, login, runExample, describeRun, outputLabels };
