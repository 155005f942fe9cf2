// @ts-check
// Workflows and credentials for the queue-mode suite (queue-mode.queue.test.js): started by
// production webhooks and by the Flextell Trigger on the main instance, run by the workers.
'use strict';
const { NODE_TYPE, PACKAGE_NAME, CREDENTIAL_TYPE } = require('../../scripts/lib/n8n');
const { EXECUTION_HEADER } = require('../../scripts/lib/rate-limit-log');
const { skewNode } = require('../../scripts/lib/queue');
const { fixedUuid, linearWorkflow, webhookWorkflow } = require('../../scripts/lib/workflows');

const CRED = {
	main: { id: 'flextellQueue001', name: 'Flextell sandbox (queue)' },
	refresh: { id: 'flextellQueueRf1', name: 'Flextell (queue refresh test)' },
	bulk: { id: 'flextellQueueBk1', name: 'Flextell (queue bulk run)' },
	/** The pacing bound's runs (its own token and gate: nothing learned elsewhere paces them). */
	pace: { id: 'flextellQueuePc1', name: 'Flextell (queue pacing bound)' },
};

/** @param {string} name @param {Record<string, any>} parameters @param {keyof typeof CRED} [cred] */
function flextell(name, parameters, cred = 'main') {
	return {
		id: fixedUuid(`queue:${name}:${cred}`),
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		parameters: { options: {}, ...parameters },
		credentials: { [CREDENTIAL_TYPE]: { ...CRED[cred] } },
	};
}

/** Poll Times: one entry per fixed second (0, 10, … 50): a poll every 10 s (n8n refuses a single entry under a minute). */
const EVERY_10_SECONDS = { item: [0, 10, 20, 30, 40, 50].map((s) => ({ mode: 'custom', cronExpression: `${s} * * * * *` })) };

/**
 * @param {string} id @param {string} hook @param {number} concurrency
 * @param {keyof typeof CRED} [cred] @param {boolean} [skew] a Wait node first: `body.skewMs[<worker>]` ms (scripts/lib/queue.js, skewNode)
 */
function bulkWorkflow(id, hook, concurrency, cred = 'bulk', skew = false) {
	const headers = { header: [{ name: EXECUTION_HEADER, value: '={{ $execution.id }}' }] };
	return webhookWorkflow(id, `queue: webhook → bulk GET, concurrency ${concurrency}${skew ? ', skewed start' : ''}`, hook, [
		...(skew ? [skewNode(fixedUuid(`${id}:skew`))] : []),
		{ id: fixedUuid(`${id}:split`), name: 'Items', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'body.items', options: {} } },
		{ ...flextell('Get each', { method: 'GET', path: '=contacts/{{ $json.id }}', options: { concurrency, headers } }, cred), id: fixedUuid(`${id}:get`) },
	]);
}

const WF = {
	/** POST {name} → create the contact → get it back: the answer is the stored contact. */
	createAndGet: webhookWorkflow('queueCreateGet01', 'queue: webhook → create → get', 'flextell-queue-create', [
		flextell('Create', { method: 'POST', path: 'contacts', jsonBody: '={{ JSON.stringify({ name: $json.body.name }) }}' }),
		flextell('Get', { method: 'GET', path: '=contacts/{{ $json.id }}' }),
	]),
	/** POST {} → list the contacts with the refresh-test credential. */
	refresh: webhookWorkflow('queueRefresh0001', 'queue: webhook → list (refresh test)', 'flextell-queue-refresh', [
		flextell('List', { method: 'GET', path: 'contacts' }, 'refresh'),
	]),
	/**
	 * POST {items: [{id}, …]} → one GET per item (a bulk run under the rate limit), one item at a
	 * time; each request names its execution (so the sandbox's log tells the workers apart).
	 */
	bulk: bulkWorkflow('queueBulk0000001', 'flextell-queue-bulk', 1),
	/** The same with Concurrency 4. */
	bulk4: bulkWorkflow('queueBulk4000001', 'flextell-queue-bulk4', 4),
	/** The same at concurrency 1 with its own credential, each execution first waiting what `body.skewMs` names for its worker. */
	pace: bulkWorkflow('queuePace0000001', 'flextell-queue-pace', 1, 'pace', true),
	/** Flextell Trigger (new contacts, every 10 s) → NoOp, active on the main instance. */
	trigger: linearWorkflow(
		'queueTrigger0001',
		'queue: Flextell Trigger (active)',
		[
			{
				id: fixedUuid('queue:trigger'),
				name: 'New contact',
				type: `${PACKAGE_NAME}.flextellTrigger`,
				typeVersion: 1,
				parameters: { pollTimes: EVERY_10_SECONDS, path: 'contacts', event: 'newRecord', dateField: 'created_at', idField: 'id', options: {} },
				credentials: { [CREDENTIAL_TYPE]: { ...CRED.main } },
			},
			{ id: fixedUuid('queue:trigger:noop'), name: 'Got it', type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} },
		],
		{ settings: { saveDataSuccessExecution: 'all' } },
	),
};

module.exports = { CRED, WF };
