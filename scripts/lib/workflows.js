// @ts-check
// Importable n8n workflows built in code (the e2e suites and the bench): fixed ids, nodes in a line.
'use strict';
const crypto = require('node:crypto');

/** A fixed 16-character id derived from a name (n8n ids are 16 alphanumerics). @param {string} name */
function fixedId(name) {
	return crypto.createHash('sha1').update(name).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
}

/** A fixed UUID-shaped node id derived from a name. @param {string} name */
function fixedUuid(name) {
	const h = crypto.createHash('sha1').update(name).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A workflow whose nodes run one after the other (nodes[0] → nodes[1] → …), laid out left to right.
 * @param {string} id @param {string} name @param {any[]} nodes
 * @param {{ settings?: Record<string, unknown> }} [o]  merged into `{ executionOrder: 'v1' }`
 */
function linearWorkflow(id, name, nodes, o = {}) {
	const all = nodes.map((n, i) => ({ ...n, position: [i * 240, 0] }));
	/** @type {Record<string, any>} */
	const connections = {};
	for (let i = 0; i < all.length - 1; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, nodes: all, connections, settings: { executionOrder: 'v1', ...o.settings }, pinData: {} };
}

/**
 * Manual Trigger ("Start") → nodes[0] → nodes[1] → …: what `n8n execute --id` starts at.
 * @param {string} id @param {string} name @param {any[]} nodes
 */
function manualWorkflow(id, name, nodes) {
	const start = { id: fixedUuid(`${id}:Start`), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} };
	return linearWorkflow(id, name, [start, ...nodes]);
}

/**
 * Webhook (POST /webhook/<path>, answered with every item of the last node) → nodes[0] → …: what
 * a production webhook starts once the workflow is active; the request's JSON body is
 * `$json.body` of the Webhook node's item.
 * @param {string} id @param {string} name @param {string} webhookPath @param {any[]} nodes
 * @param {{ settings?: Record<string, unknown> }} [o]
 */
function webhookWorkflow(id, name, webhookPath, nodes, o = {}) {
	const hook = {
		id: fixedUuid(`${id}:Webhook`),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: fixedUuid(`${id}:webhookId`),
		parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
	};
	return linearWorkflow(id, name, [hook, ...nodes], o);
}

module.exports = { fixedId, fixedUuid, linearWorkflow, manualWorkflow, webhookWorkflow };
