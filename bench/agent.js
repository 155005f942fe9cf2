// @ts-check
// `npm run bench -- --only agent`: what an AI Agent's model receives for a 2,000-record answer,
// the Flextell tool (defaults) beside n8n's HTTP Request node as a tool (defaults), in one run of
// a real n8n: one AI Agent, its OpenAI Chat Model pointed at the scripted model
// (sandbox/scripted-model.js), which calls each tool once for the same list; the characters of
// each tool message are read from the scripted model's log. Writes its own section of
// docs/benchmarks.md (between `<!-- agent:start -->` and `<!-- agent:end -->`) and the raw
// figures to docs/benchmarks-agent.json. Figures only: a missed goal stays in the table.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { startSandbox } = require('../sandbox');
const { startScriptedModel } = require('../sandbox/scripted-model');
const { ensureN8n, DEFAULT_VERSION } = require('../scripts/ensure-n8n');
const n8n = require('../scripts/lib/n8n');
const { agentWorkflow, flextellTool, httpRequestTool, modelCredentialRecord } = require('../scripts/lib/agent');
const { apiRequests } = require('../scripts/lib/sandbox');
const { markedSection } = require('./lib/sections');

const MARK_START = '<!-- agent:start (npm run bench -- --only agent rewrites this section) -->';
const MARK_END = '<!-- agent:end -->';
const marked = markedSection({ start: MARK_START, end: MARK_END });
const writeSection = marked.write;
const sectionOf = marked.read;
const RECORDS = 2000;
const RECORD_CHARS = 1000;
const CRED = { id: 'flextellSandbox1', name: 'Flextell sandbox' };
const WORKFLOW_ID = 'benchAgentTools1';

/** The contenders: node name (tool name with spaces as _), how it is set up, what the row says. */
const CONTENDERS = [
	{ node: 'Flextell', label: 'Flextell tool, defaults (Limit 50, Max Characters 20 000)' },
	{ node: 'Flextell no bound', label: 'Flextell tool, Max Characters 0 (Limit 50 alone)' },
	{ node: 'HTTP Request', label: "n8n's HTTP Request node as a tool, defaults (Optimize Response off)" },
];

/**
 * @param {{ say: (s: string) => void, out: string | null, build: boolean, version?: string }} o
 */
async function runAlone(o) {
	const version = o.version ?? process.env.FLEXTELL_N8N_VERSION ?? DEFAULT_VERSION;
	if (o.build) {
		o.say('building the package (npm run build)…');
		const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	const install = ensureN8n(version);
	const packDir = n8n.packPackage();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-agent-'));
	const sb = await startSandbox({ port: 0, lifetimeSeconds: 900, quiet: true, maxPageSize: RECORDS });
	const model = await startScriptedModel({ lifetimeSeconds: 900 });
	try {
		const folder = path.join(work, 'n8n');
		fs.mkdirSync(folder);
		n8n.installPackage(folder, 'pack', packDir);
		const tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
		const list = `notes?limit=${RECORDS}`;
		const tools = [
			flextellTool('Flextell', { method: 'GET', path: "={{ $fromAI('path', 'Resource path relative to the API version, e.g. contacts', 'string') }}" }, CRED),
			flextellTool(
				'Flextell no bound',
				{ method: 'GET', path: "={{ $fromAI('path', 'Resource path relative to the API version, e.g. contacts', 'string') }}", toolOptions: { maxCharacters: 0 } },
				CRED,
			),
			httpRequestTool('HTTP Request', `${sb.baseUrl}/v0.0.1`, CRED),
		];
		const prompt = ['List the notes with each tool.', ...CONTENDERS.map((c) => `CALL ${c.node.replace(/[^a-zA-Z0-9_-]+/g, '_')} ${JSON.stringify({ path: list })}`)].join('\n');
		const workflow = agentWorkflow({ id: WORKFLOW_ID, name: 'bench: AI Agent, Flextell tool vs HTTP Request tool', prompt, tools });
		const credFile = path.join(work, 'credentials.json');
		fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CRED, sandbox: sb, tokens }), modelCredentialRecord({ baseUrl: model.baseUrl })]));
		const wfFile = path.join(work, 'workflow.json');
		fs.writeFileSync(wfFile, JSON.stringify(workflow));
		const cli = async (/** @type {string[]} */ args) => {
			const env = n8n.n8nEnv({ userFolder: folder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort() });
			const r = await n8n.runN8n(install, args, { env, timeoutMs: 300_000 });
			if (r.code !== 0 || r.timedOut) throw new Error(`n8n ${args[0]} failed (exit ${r.code})\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
			return r;
		};
		o.say(`n8n ${version}: importing the credentials and the agent workflow…`);
		await cli(['import:credentials', `--input=${credFile}`]);
		await cli(['import:workflow', `--input=${wfFile}`]);
		const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(RECORD_CHARS / 57)).slice(0, RECORD_CHARS);
		sb.seed('notes', Array.from({ length: RECORDS }, (_, i) => ({ title: `Note ${i + 1}`, body })));
		o.say(`running the agent: one call of each tool for ${list}…`);
		const t0 = Date.now();
		const r = await cli(['execute', `--id=${WORKFLOW_ID}`, '--rawOutput']);
		const seconds = (Date.now() - t0) / 1000;
		const last = model.completions().at(-1)?.body;
		const messages = (last?.messages ?? []).filter((/** @type {any} */ m) => m.role === 'tool').map((/** @type {any} */ m) => String(m.content));
		if (messages.length !== CONTENDERS.length) throw new Error(`expected ${CONTENDERS.length} tool results, the model got ${messages.length}\n${r.stdout.slice(-2000)}`);
		const rows = CONTENDERS.map((c, i) => ({ ...c, ...describeResult(messages[i]) }));
		const requests = apiRequests(sb).filter((/** @type {any} */ e) => e.path.endsWith('/notes')).length;
		const data = { date: new Date().toISOString(), n8nVersion: version, records: RECORDS, recordChars: RECORD_CHARS, executeSeconds: seconds, requests, finalRequestChars: JSON.stringify(last).length, rows };
		const section = render(data);
		process.stdout.write(`${section}\n`);
		if (o.out) {
			writeSection(o.out, section);
			fs.writeFileSync(o.out.replace(/\.md$/, '') + '-agent.json', JSON.stringify(data, null, 1) + '\n');
			o.say(`wrote the agent section of ${path.relative(n8n.ROOT, o.out)}`);
		}
		return data;
	} finally {
		await sb.close();
		await model.close();
		fs.rmSync(work, { recursive: true, force: true });
		fs.rmSync(path.dirname(packDir), { recursive: true, force: true });
	}
}

/**
 * What one tool message holds: its length, whether it is valid JSON, the records in it (the
 * first in order?), and the note.
 * @param {string} text
 */
function describeResult(text) {
	/** @type {any} */
	let parsed;
	try {
		parsed = JSON.parse(text);
	} catch {
		return { chars: text.length, validJson: false, records: null, firstInOrder: false, note: null };
	}
	const item = Array.isArray(parsed) ? parsed[0] : parsed;
	const records = Array.isArray(item?.records) ? item.records : Array.isArray(item?.data) ? item.data : null;
	const firstInOrder = Array.isArray(records) && records.length > 0 && records.every((/** @type {any} */ r, /** @type {number} */ i) => r?.title === `Note ${i + 1}`);
	return { chars: text.length, validJson: true, records: records ? records.length : null, firstInOrder, note: typeof item?.note === 'string' ? item.note : null, start: text.slice(0, 160) };
}

/** @param {number} n */
const num = (n) => n.toLocaleString('en-US').replace(/,/g, ' ');

/** @param {any} data */
function render(data) {
	const peer = data.rows.find((/** @type {any} */ r) => r.node === 'HTTP Request');
	const ours = data.rows.find((/** @type {any} */ r) => r.node === 'Flextell');
	const ratio = peer && ours ? peer.chars / ours.chars : NaN;
	const lines = [
		MARK_START,
		`## AI Agent: what the model receives for a ${num(data.records)}-record answer`,
		'',
		`One AI Agent in n8n ${data.n8nVersion} (\`n8n execute\`), its OpenAI Chat Model pointed at the scripted model, calls each tool once for the same list, \`notes?limit=${data.records}\`: ${num(data.records)} records of about ${num(data.recordChars)} characters each, in one answer of the sandbox. Characters are those of the tool message n8n sent the model (from the scripted model's log); tokens are estimated as characters / 4. Measured ${data.date.slice(0, 16).replace('T', ' ')} UTC (\`npm run bench -- --only agent\`, raw figures in docs/benchmarks-agent.json).`,
		'',
		'| Tool | Characters the model received | ≈ tokens | Records in it | First records, in order | Note on what was left out | vs HTTP Request |',
		'| --- | ---: | ---: | ---: | --- | --- | ---: |',
		...data.rows.map((/** @type {any} */ r) =>
			[
				'',
				r.label,
				num(r.chars),
				num(Math.round(r.chars / 4)),
				r.records === null ? '—' : `${num(r.records)} of ${num(data.records)}`,
				r.firstInOrder ? 'yes' : 'no',
				r.note ? `yes: “${r.note.slice(0, 70)}…”` : 'none',
				r.node === 'HTTP Request' ? '1×' : `${(peer.chars / r.chars).toFixed(0)}× fewer`,
				'',
			].join(' | ').trim(),
		),
		'',
		`**Goal: ≥ 10× fewer characters than the HTTP Request tool, with the first records and the note intact: ${ratio >= 10 && ours?.firstInOrder && ours?.note ? 'met' : 'missed'}** (${Number.isFinite(ratio) ? ratio.toFixed(0) : '?'}×).`,
		'',
		`What bounds it: the Flextell tool hands the model at most Max Characters (20 000 by default) and cuts at whole records, so its figure stays under 20 000 whatever the list's size; the HTTP Request tool hands over the whole answer, so its figure grows with the list (its Optimize Response option, off by default, can pick the field holding the data, include or exclude fields, and truncate at a number of characters). The model's next request carries every tool result again: ${num(data.finalRequestChars)} characters for the last one of this run. The run made ${data.requests} list requests and took ${data.executeSeconds.toFixed(1)} s.`,
		MARK_END,
	];
	return lines.join('\n');
}



module.exports = { runAlone, render, writeSection, sectionOf, describeResult };
