// @ts-check
// Workflows the benchmark imports into the real n8n: the same work done by the Flextell node and
// by n8n's HTTP Request node (same credential, as a predefined credential type).
'use strict';
const { NODE_TYPE, CREDENTIAL_TYPE } = require('../../scripts/lib/n8n');
const { fixedId, manualWorkflow } = require('../../scripts/lib/workflows');

const CREDENTIAL = { id: 'flextellBench0001', name: 'Flextell sandbox (bench)' };
const credentials = () => ({ [CREDENTIAL_TYPE]: { ...CREDENTIAL } });

let seq = 0;
const uid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

/** The node whose run the benchmark measures is always called TARGET (and SPLIT for HTTP pages). */
const TARGET = 'Target';
const SPLIT = 'Split pages';

/**
 * A chain of nodes behind a Manual Trigger, as an importable workflow.
 * @param {string} name @param {any[]} nodes
 */
const workflow = (name, nodes) => manualWorkflow(fixedId(`bench:${name}`), `bench: ${name}`, nodes);

/**
 * Input items { id } without a Code node (no task runner): a Set node with the ids as JSON, then Split Out.
 * @param {string[]} ids
 */
function itemSource(ids) {
	return [
		{
			id: uid(),
			name: 'Ids',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			parameters: { mode: 'raw', jsonOutput: JSON.stringify({ items: ids.map((id) => ({ id })) }), options: {} },
		},
		{ id: uid(), name: 'Items', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'items', options: {} } },
	];
}

/** @param {number} concurrency */
function flextellGetNode(concurrency) {
	return {
		id: uid(),
		name: TARGET,
		type: NODE_TYPE,
		typeVersion: 1,
		parameters: { method: 'GET', path: '=contacts/{{ $json.id }}', options: { concurrency } },
		credentials: credentials(),
	};
}

/**
 * n8n's HTTP Request node with the Flextell credential, Retry On Fail (5 tries, 1000 ms), and
 * optionally its Batching option.
 * @param {string} apiBase e.g. https://127.0.0.1:1234/api/v0.0.1 @param {{ batchSize: number, batchInterval: number } | null} batching
 * @param {boolean} retry
 */
function httpGetNode(apiBase, batching, retry = true) {
	return {
		id: uid(),
		name: TARGET,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			url: `=${apiBase}/contacts/{{ $json.id }}`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: batching ? { batching: { batch: { batchSize: batching.batchSize, batchInterval: batching.batchInterval } } } : {},
		},
		...(retry ? { retryOnFail: true, maxTries: 5, waitBetweenTries: 1000 } : {}),
		credentials: credentials(),
	};
}

/** Return All with the Flextell node: cursor pagination, pages of 100. */
function flextellListNode() {
	return {
		id: uid(),
		name: TARGET,
		type: NODE_TYPE,
		typeVersion: 1,
		parameters: { method: 'GET', path: 'contacts', returnAll: true, options: { pagination: 'cursor', pageSize: 100, maxPages: 10000 } },
		credentials: credentials(),
	};
}

/**
 * The HTTP Request node's own pagination over the same API (cursor from `next_cursor`, pages of
 * 100), then Split Out on `data` so that both workflows end with one item per record.
 * @param {string} apiBase
 */
function httpListNodes(apiBase) {
	return [
		{
			id: uid(),
			name: TARGET,
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: {
				url: `${apiBase}/contacts`,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: CREDENTIAL_TYPE,
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'limit', value: '100' }] },
				options: {
					pagination: {
						pagination: {
							paginationMode: 'updateAParameterInEachRequest',
							parameters: { parameters: [{ type: 'qs', name: 'cursor', value: '={{ $response.body.next_cursor }}' }] },
							paginationCompleteWhen: 'other',
							completeExpression: '={{ !$response.body.next_cursor }}',
						},
					},
				},
			},
			credentials: credentials(),
		},
		{ id: uid(), name: SPLIT, type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'data', options: {} } },
	];
}

module.exports = {
	CREDENTIAL,
	TARGET,
	SPLIT,
	workflow,
	itemSource,
	flextellGetNode,
	httpGetNode,
	flextellListNode,
	httpListNodes,
};
