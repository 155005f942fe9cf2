// @ts-check
// Workflows for the e2e suite (built in code so that ids and credentials stay consistent).
'use strict';
const { NODE_TYPE, PACKAGE_NAME } = require('../../scripts/lib/n8n');
const { manualWorkflow } = require('../../scripts/lib/workflows');

const CRED = {
	main: { id: 'flextellSandbox1', name: 'Flextell sandbox' }, // the one the examples reference
	refresh: { id: 'flextellRefresh1', name: 'Flextell (refresh test)' },
	http: { id: 'flextellHttpUrl1', name: 'Flextell (http base URL)' },
};

let seq = 0;
const uid = () => `e2e00000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

/** @param {string} name @param {Record<string, any>} parameters @param {{ cred?: keyof typeof CRED, onError?: string, executeOnce?: boolean }} [o] */
function flextell(name, parameters, o = {}) {
	const c = CRED[o.cred ?? 'main'];
	return {
		id: uid(),
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { options: {}, ...parameters },
		credentials: { flextellOAuth2Api: { id: c.id, name: c.name } },
		...(o.onError ? { onError: o.onError } : {}),
		...(o.executeOnce ? { executeOnce: true } : {}),
	};
}

/** A linear workflow: Manual trigger → nodes[0] → nodes[1] → … */
const chain = manualWorkflow;

/** Return All over every page of a list with the given pagination scheme, 100 per page. @param {string} id @param {'cursor'|'page'|'link'} scheme */
const returnAll = (id, scheme) =>
	chain(id, `e2e: Return All (${scheme})`, [
		flextell('List all', { method: 'GET', path: 'contacts', returnAll: true, options: { pagination: scheme, pageSize: 100 } }),
		// once, not once per listed item: without Return All one request exactly as written (limit=150), cut to Limit 120
		...(scheme === 'cursor'
			? [flextell('First 120', { method: 'GET', path: 'contacts', returnAll: false, limit: 120, queryParameters: { parameters: [{ name: 'limit', value: '150' }] } }, { executeOnce: true })]
			: []),
	]);

/** Poll Times: one entry per fixed second (0, 10, … 50): a poll every 10 s (n8n refuses a single entry under a minute). */
const EVERY_10_SECONDS = { item: [0, 10, 20, 30, 40, 50].map((s) => ({ mode: 'custom', cronExpression: `${s} * * * * *` })) };

/** Flextell Trigger (new contacts) → NoOp, for an active workflow in `n8n start`. */
function triggerWorkflow() {
	const trigger = {
		id: uid(),
		name: 'New contact',
		type: `${PACKAGE_NAME}.flextellTrigger`,
		typeVersion: 1,
		position: [0, 0],
		parameters: { pollTimes: EVERY_10_SECONDS, path: 'contacts', event: 'newRecord', dateField: 'created_at', idField: 'id', options: {} },
		credentials: { flextellOAuth2Api: { id: CRED.main.id, name: CRED.main.name } },
	};
	const noOp = { id: uid(), name: 'Got it', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} };
	return {
		id: 'e2eTrigger000001',
		name: 'e2e: Flextell Trigger (active)',
		active: false,
		nodes: [trigger, noOp],
		connections: { [trigger.name]: { main: [[{ node: noOp.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
		pinData: {},
	};
}

const WF = {
	list: chain('e2eList000000001', 'e2e: GET list', [
		flextell('List contacts', { method: 'GET', path: 'contacts', queryParameters: { parameters: [{ name: 'sort', value: 'created_at' }] } }),
	]),
	roundTrip: chain('e2eRoundTrip0001', 'e2e: create/get/update/delete', [
		flextell('Create', { method: 'POST', path: 'contacts', jsonBody: '{"name": "Grace Hopper", "email": "grace@example.com"}' }),
		flextell('Get', { method: 'GET', path: '=contacts/{{ $json.id }}' }),
		flextell('Patch', { method: 'PATCH', path: '=contacts/{{ $json.id }}', jsonBody: '={{ JSON.stringify({ status: "vip", seen: $json.email }) }}' }),
		flextell('Replace', { method: 'PUT', path: '=contacts/{{ $json.id }}', jsonBody: '={{ JSON.stringify({ name: $json.name + " (replaced)" }) }}' }),
		flextell('Delete', { method: 'DELETE', path: "=contacts/{{ $('Create').item.json.id }}" }),
	]),
	notFound: chain('e2eNotFound00001', 'e2e: error body fails the run', [
		flextell('Get missing', { method: 'GET', path: 'contacts/obj_does_not_exist' }),
	]),
	validation: chain('e2eValidation001', 'e2e: 422 fails the run', [
		flextell('Create without name', { method: 'POST', path: 'contacts', jsonBody: '{"email": "nobody@example.com"}' }),
	]),
	continueOnFail: chain('e2eContinue00001', 'e2e: continue on fail', [
		flextell('List', { method: 'GET', path: 'contacts', queryParameters: { parameters: [{ name: 'sort', value: 'created_at' }] } }),
		flextell('Get each', { method: 'GET', path: "=contacts/{{ $json.name === 'Bad' ? 'obj_missing' : $json.id }}" }, { onError: 'continueRegularOutput' }),
	]),
	retryAfter: chain('e2eRetryAfter001', 'e2e: 429 Retry-After', [flextell('List', { method: 'GET', path: 'contacts' })]),
	refresh: chain('e2eRefresh000001', 'e2e: token refresh', [flextell('List', { method: 'GET', path: 'contacts' }, { cred: 'refresh' })]),
	httpBase: chain('e2eHttpBase00001', 'e2e: http base URL refused', [flextell('List', { method: 'GET', path: 'contacts' }, { cred: 'http' })]),
	returnAllCursor: returnAll('e2eReturnAllCur1', 'cursor'),
	returnAllPage: returnAll('e2eReturnAllPag1', 'page'),
	returnAllLink: returnAll('e2eReturnAllLnk1', 'link'),
	trigger: triggerWorkflow(),
};

module.exports = { CRED, WF };
