// @ts-check
// Workflows for the e2e suite (built in code so that ids and credentials stay consistent).
'use strict';
const { NODE_TYPE } = require('../../scripts/lib/n8n');

const CRED = {
	main: { id: 'flextellSandbox1', name: 'Flextell sandbox' }, // the one the examples reference
	refresh: { id: 'flextellRefresh1', name: 'Flextell (refresh test)' },
	http: { id: 'flextellHttpUrl1', name: 'Flextell (http base URL)' },
};

let seq = 0;
const uid = () => `e2e00000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

/** @param {string} name @param {Record<string, any>} parameters @param {{ cred?: keyof typeof CRED, onError?: string }} [o] */
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
	};
}

/** A linear workflow: Manual trigger → nodes[0] → nodes[1] → … @param {string} id @param {string} name @param {any[]} nodes */
function chain(id, name, nodes) {
	const trigger = { id: uid(), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [-240, 0], parameters: {} };
	const all = [trigger, ...nodes];
	all.forEach((n, i) => (n.position = [i * 240 - 240, 0]));
	/** @type {Record<string, any>} */
	const connections = {};
	for (let i = 0; i < all.length - 1; i++) {
		connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes: all, connections, settings: { executionOrder: 'v1' }, pinData: {} };
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
};

module.exports = { CRED, WF };
