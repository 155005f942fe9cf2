// @ts-check
// A scripted chat model with OpenAI's Chat Completions API, on plain HTTP at 127.0.0.1: the
// offline stand-in for a real model behind n8n's OpenAI Chat Model (its credential's Base URL
// pointed here). It is not a language model; it follows a script written in the user's prompt:
//
//   CALL <tool name> <JSON arguments>      one line per tool call, made in order, one per turn
//
// Each turn it answers with the next tool call the prompt asks for; once every call has a tool
// result in the conversation, it answers with text that quotes each result:
//   "<tool name> returned: <the tool message, verbatim>"
// A prompt without CALL lines calls the first tool offered once, with arguments made from its
// schema (a property named like "path" gets the prompt's "path <value>", else "contacts"), then
// quotes the result.
// Every request is logged (`model.log`, `GET /_log`), so tests can read exactly what the model
// received: the messages, the tool descriptions and their JSON schemas.
//
//   node sandbox/scripted-model.js [--port 0] [--log FILE]   prints {"url","baseUrl"} and serves until Ctrl-C
//
// Nothing in nodes/ or credentials/ imports it.
'use strict';
const fs = require('node:fs');
const http = require('node:http');

/**
 * @typedef {{ seq: number, at: string, method: string, path: string, headers: Record<string, unknown>, body: any }} ModelLogEntry
 * @typedef {{ name: string, args: Record<string, unknown> }} ScriptedCall
 */

/** The CALL lines of a prompt. @param {string} text @returns {ScriptedCall[]} */
function parseScript(text) {
	/** @type {ScriptedCall[]} */
	const calls = [];
	for (const line of String(text).split('\n')) {
		const m = /^\s*CALL\s+(\S+)\s*(.*)$/.exec(line);
		if (!m) continue;
		/** @type {Record<string, unknown>} */
		let args = {};
		if (m[2].trim() !== '') {
			try {
				args = JSON.parse(m[2]);
			} catch {
				args = { input: m[2].trim() };
			}
		}
		calls.push({ name: m[1], args });
	}
	return calls;
}

/** Text of a message's content (a string or a list of parts). @param {any} content */
function textOf(content) {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : (p?.text ?? ''))).join('');
	return '';
}

/**
 * Arguments for a tool from its JSON schema, when the prompt wrote no CALL line: a property named
 * like "path" gets the first "path <value>" the prompt names (else "contacts").
 * @param {any} tool @param {string} prompt
 */
function defaultArgs(tool, prompt) {
	/** @type {Record<string, unknown>} */
	const args = {};
	const named = /\bpath\s+["'`]?([A-Za-z0-9_./?=&%-]+?)["'`]?(?=[\s,;:)]|\.?$)/m.exec(prompt)?.[1];
	for (const [name, schema] of Object.entries(tool?.function?.parameters?.properties ?? {})) {
		const type = /** @type {any} */ (schema)?.type;
		if (/path/i.test(name)) args[name] = named ?? 'contacts';
		else if (type === 'number' || type === 'integer') args[name] = 5;
		else if (type === 'boolean') args[name] = false;
		else if (type === 'object' || type === undefined) args[name] = {};
		else args[name] = '';
	}
	return args;
}

/**
 * What the model says next, given a Chat Completions request body.
 * @param {any} body
 * @returns {{ kind: 'tool', id: string, name: string, args: Record<string, unknown> } | { kind: 'text', text: string }}
 */
function nextTurn(body) {
	const messages = Array.isArray(body?.messages) ? body.messages : [];
	const tools = Array.isArray(body?.tools) ? body.tools : [];
	const users = messages.filter((/** @type {any} */ m) => m.role === 'user' || m.role === 'human');
	const prompt = textOf(users.at(-1)?.content);
	const results = messages.filter((/** @type {any} */ m) => m.role === 'tool');
	let script = parseScript(prompt);
	if (script.length === 0 && tools.length > 0) script = [{ name: tools[0].function.name, args: defaultArgs(tools[0], prompt) }];
	if (results.length < script.length) {
		const step = script[results.length];
		const known = tools.find((/** @type {any} */ t) => t?.function?.name?.toLowerCase() === step.name.toLowerCase());
		if (!known) {
			return { kind: 'text', text: `I have no tool named ${step.name} (tools offered: ${tools.map((/** @type {any} */ t) => t?.function?.name).join(', ') || 'none'}).` };
		}
		return { kind: 'tool', id: `call_${results.length + 1}`, name: known.function.name, args: step.args };
	}
	if (results.length === 0) return { kind: 'text', text: `You said: ${prompt}` };
	// Which tool each result answers: the assistant message that asked for it.
	/** @type {Record<string, string>} */
	const names = {};
	for (const m of messages) for (const call of m.tool_calls ?? []) names[call.id] = call.function?.name ?? 'tool';
	const quoted = results.map((/** @type {any} */ m) => `${names[m.tool_call_id] ?? 'tool'} returned: ${textOf(m.content)}`);
	return { kind: 'text', text: quoted.join('\n\n') };
}

/** @param {any} body @param {ReturnType<typeof nextTurn>} turn */
function completion(body, turn) {
	const message =
		turn.kind === 'tool'
			? { role: 'assistant', content: null, tool_calls: [{ id: turn.id, type: 'function', function: { name: turn.name, arguments: JSON.stringify(turn.args) } }] }
			: { role: 'assistant', content: turn.text };
	return {
		id: `chatcmpl-scripted-${Date.now()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: String(body?.model ?? 'scripted'),
		choices: [{ index: 0, message, logprobs: null, finish_reason: turn.kind === 'tool' ? 'tool_calls' : 'stop' }],
		usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
	};
}

/** The same answer as server-sent events (`stream: true`). @param {any} body @param {ReturnType<typeof nextTurn>} turn */
function streamChunks(body, turn) {
	const base = { id: `chatcmpl-scripted-${Date.now()}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: String(body?.model ?? 'scripted') };
	const delta =
		turn.kind === 'tool'
			? { role: 'assistant', content: null, tool_calls: [{ index: 0, id: turn.id, type: 'function', function: { name: turn.name, arguments: JSON.stringify(turn.args) } }] }
			: { role: 'assistant', content: turn.text };
	return [
		{ ...base, choices: [{ index: 0, delta, finish_reason: null }] },
		{ ...base, choices: [{ index: 0, delta: {}, finish_reason: turn.kind === 'tool' ? 'tool_calls' : 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
	];
}

/**
 * Starts the scripted model on 127.0.0.1.
 * @param {{ port?: number, logFile?: string, lifetimeSeconds?: number }} [o]
 */
async function startScriptedModel(o = {}) {
	/** @type {ModelLogEntry[]} */
	const log = [];
	let seq = 0;
	const server = http.createServer((req, res) => {
		const chunks = /** @type {Buffer[]} */ ([]);
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			let body = null;
			try {
				body = raw ? JSON.parse(raw) : null;
			} catch {
				body = raw;
			}
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			const send = (/** @type {number} */ status, /** @type {unknown} */ json) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(json));
			};
			if (url.pathname === '/_log') {
				if (req.method === 'DELETE') {
					log.length = 0;
					res.writeHead(204).end();
				} else send(200, { data: log });
				return;
			}
			/** @type {ModelLogEntry} */
			const entry = { seq: ++seq, at: new Date().toISOString(), method: req.method ?? '', path: url.pathname, headers: { ...req.headers }, body };
			log.push(entry);
			if (o.logFile) fs.appendFileSync(o.logFile, `${JSON.stringify(entry)}\n`);
			if (req.method === 'GET' && url.pathname.endsWith('/models')) {
				send(200, { object: 'list', data: [{ id: 'scripted-model', object: 'model', created: 0, owned_by: 'flextell-sandbox' }] });
				return;
			}
			if (req.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) {
				send(404, { error: { message: `The scripted model serves POST <base>/chat/completions only, not ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
				return;
			}
			const turn = nextTurn(body);
			if (body?.stream) {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				for (const chunk of streamChunks(body, turn)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
				res.end('data: [DONE]\n\n');
				return;
			}
			send(200, completion(body, turn));
		});
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(o.port ?? 0, '127.0.0.1', () => resolve(undefined));
	});
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const url = `http://127.0.0.1:${address.port}`;
	/** @type {NodeJS.Timeout | undefined} */
	let timer;
	const close = () =>
		new Promise((resolve) => {
			if (timer) clearTimeout(timer);
			server.closeAllConnections?.();
			server.close(() => resolve(undefined));
		});
	if (o.lifetimeSeconds) {
		timer = setTimeout(() => void close(), o.lifetimeSeconds * 1000);
		timer.unref();
	}
	return {
		url,
		/** What the OpenAI credential's Base URL is set to. */
		baseUrl: `${url}/v1`,
		port: address.port,
		log,
		/** Chat Completions requests only, oldest first. */
		completions: () => log.filter((e) => e.path.endsWith('/chat/completions')),
		clearLog: () => void (log.length = 0),
		close,
	};
}

module.exports = { startScriptedModel, nextTurn, parseScript };

if (require.main === module) {
	const args = process.argv.slice(2);
	const value = (/** @type {string} */ name) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : undefined;
	};
	startScriptedModel({ port: Number(value('--port') ?? 0), logFile: value('--log') }).then((model) => {
		process.stdout.write(`${JSON.stringify({ url: model.url, baseUrl: model.baseUrl })}\n`);
		const stop = () => void model.close().then(() => process.exit(0));
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	});
}
