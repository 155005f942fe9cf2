// @ts-check
// AI Agent workflows built in code (the agent e2e suite, the agent bench, example 05): Manual
// Trigger → AI Agent, with an OpenAI Chat Model on its language-model input (Chat Completions, so
// that the scripted model in sandbox/scripted-model.js, or any OpenAI-compatible server, answers)
// and tool nodes on its tool input: the Flextell tool (`<package>.flextellTool`, which n8n makes
// from the Flextell node) or n8n's HTTP Request tool.
'use strict';
const { CREDENTIAL_TYPE } = require('./credential');
const { fixedUuid } = require('./workflows');

const PACKAGE_NAME = 'n8n-nodes-flextell';
const TOOL_TYPE = `${PACKAGE_NAME}.flextellTool`;

/** The OpenAI credential of the offline runs: its name says it is no real model. */
const MODEL_CREDENTIAL = { id: 'scriptedModel0001', name: 'Scripted model (offline stand-in, not a real AI)' };

/**
 * An `openAiApi` credential record for `n8n import:credentials` pointing at a Chat Completions
 * server (`url` is the OpenAI credential's Base URL). The scripted model accepts any key.
 * @param {{ baseUrl: string, apiKey?: string, id?: string, name?: string }} o
 */
function modelCredentialRecord(o) {
	return {
		id: o.id ?? MODEL_CREDENTIAL.id,
		name: o.name ?? MODEL_CREDENTIAL.name,
		type: 'openAiApi',
		data: { apiKey: o.apiKey ?? 'stand-in-key-not-secret', url: o.baseUrl },
	};
}

/**
 * The Flextell tool: the Flextell node as n8n registers it for AI Agents.
 * @param {string} name  the tool's name as the model sees it (spaces become _)
 * @param {Record<string, any>} parameters
 * @param {{ id: string, name: string }} credential
 */
function flextellTool(name, parameters, credential) {
	return {
		id: fixedUuid(`tool:${name}`),
		name,
		type: TOOL_TYPE,
		typeVersion: 1,
		parameters: { options: {}, ...parameters },
		credentials: { [CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } },
	};
}

/**
 * n8n's HTTP Request tool with its defaults, authenticated with the Flextell credential, the URL
 * written by the model below the API base.
 * @param {string} name @param {string} apiBase e.g. https://127.0.0.1:8443/api/v0.0.1
 * @param {{ id: string, name: string }} credential
 */
function httpRequestTool(name, apiBase, credential) {
	return {
		id: fixedUuid(`tool:${name}`),
		name,
		type: 'n8n-nodes-base.httpRequestTool',
		typeVersion: 4.2,
		parameters: {
			toolDescription: 'Calls the Flextell REST API with a GET request',
			// the query string, if any, is part of the path the model writes (as for the Flextell tool)
			url: `=${apiBase}/{{ $fromAI('path', 'Resource path relative to the API version, e.g. contacts', 'string') }}`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: {},
		},
		credentials: { [CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } },
	};
}

/**
 * Manual Trigger → AI Agent (prompt fixed), OpenAI Chat Model (Chat Completions) → its language
 * model input, each tool → its tool input.
 * @param {{ id: string, name: string, prompt: string, tools: any[], modelCredential?: { id: string, name: string }, maxIterations?: number }} o
 */
function agentWorkflow(o) {
	const cred = o.modelCredential ?? MODEL_CREDENTIAL;
	const start = { id: fixedUuid(`${o.id}:Start`), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
	const agent = {
		id: fixedUuid(`${o.id}:Agent`),
		name: 'AI Agent',
		type: '@n8n/n8n-nodes-langchain.agent',
		// 3: the newest Tools Agent both 1.123.81 and 2.40.7 have (2.x also has 3.1)
		typeVersion: 3,
		position: [240, 0],
		parameters: { promptType: 'define', text: o.prompt, options: { maxIterations: o.maxIterations ?? 10 } },
	};
	const model = {
		id: fixedUuid(`${o.id}:Model`),
		name: 'OpenAI Chat Model',
		type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
		typeVersion: 1.3,
		position: [160, 220],
		parameters: {
			model: { __rl: true, mode: 'list', value: 'gpt-4.1-mini' },
			// Chat Completions (<Base URL>/chat/completions), which every OpenAI-compatible server offers.
			responsesApiEnabled: false,
			options: {},
		},
		credentials: { openAiApi: { id: cred.id, name: cred.name } },
	};
	const tools = o.tools.map((t, i) => ({ ...t, position: [360 + i * 160, 220] }));
	/** @type {Record<string, any>} */
	const connections = {
		Start: { main: [[{ node: agent.name, type: 'main', index: 0 }]] },
		[model.name]: { ai_languageModel: [[{ node: agent.name, type: 'ai_languageModel', index: 0 }]] },
	};
	for (const t of tools) connections[t.name] = { ai_tool: [[{ node: agent.name, type: 'ai_tool', index: 0 }]] };
	return { id: o.id, name: o.name, active: false, nodes: [start, agent, model, ...tools], connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** n8n's tool name for a node name (what the model calls). @param {string} nodeName */
const toolName = (nodeName) => nodeName.replace(/[^a-zA-Z0-9_-]+/g, '_');

module.exports = { MODEL_CREDENTIAL, TOOL_TYPE, agentWorkflow, flextellTool, httpRequestTool, modelCredentialRecord, toolName };
