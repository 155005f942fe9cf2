import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { CallPolicy } from '../shared/transport';
import { CREDENTIAL_TYPE, listPages, payloadToItems, systemClock } from '../shared/transport';
import { paginationOptions, queryParametersProperty, requestOptions } from '../shared/descriptions';
import { pollParameters } from '../shared/parameter-source';
import { pagingAdvice } from '../shared/parameters';
import type { TriggerSetup } from './parameters';
import { readTriggerSetup } from './parameters';
import { pollOnce } from './poll';
import type { PollBudget } from './poll-budget';
import { pollBudget } from './poll-budget';
import { pollLockKey } from './poll-lock';
import type { RecordFields } from './watermark';
import { idOf } from './watermark';

const sortOptions: INodeProperties[] = [
	{
		displayName: 'Sort Parameter',
		name: 'sortParameter',
		type: 'string',
		default: 'sort',
		description: 'The query parameter that asks Flextell for the newest records first. Leave empty if the list is always newest first.',
	},
	{
		displayName: 'Sort Value',
		name: 'sortValue',
		type: 'string',
		default: '',
		placeholder: '-created_at',
		description: 'The value of the sort parameter. Empty means the date field with a minus in front (newest first), e.g. -created_at.',
	},
];

const triggerOptions: INodeProperties[] = [
	...requestOptions,
	...paginationOptions,
	...sortOptions,
].sort((a, b) => a.displayName.localeCompare(b.displayName));

export class FlextellTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Flextell Trigger',
		name: 'flextellTrigger',
		icon: { light: 'file:../../icons/flextell.svg', dark: 'file:../../icons/flextell.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["event"] === "newOrUpdatedRecord" ? "New or updated in " : "New in ") + $parameter["path"] }}',
		description: 'Starts the workflow when records are added to (or changed in) a Flextell list',
		defaults: { name: 'Flextell Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'contacts',
				description: "The list to watch, relative to the credential's Base URL and API version, such as <code>contacts</code>",
			},
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'New Record', value: 'newRecord', description: 'A record was created (by its created date)' },
					{
						name: 'New or Updated Record',
						value: 'newOrUpdatedRecord',
						description: 'A record was created or changed (by its updated date)',
					},
				],
				default: 'newRecord',
			},
			{
				displayName: 'Date Field',
				name: 'dateField',
				type: 'string',
				default: 'created_at',
				displayOptions: { show: { event: ['newRecord'] } },
				description: 'The record field with the time it was created (ISO 8601 or epoch seconds)',
			},
			{
				displayName: 'Date Field',
				name: 'dateField',
				type: 'string',
				default: 'updated_at',
				displayOptions: { show: { event: ['newOrUpdatedRecord'] } },
				description: 'The record field with the time it was last changed (ISO 8601 or epoch seconds)',
			},
			{
				displayName: 'ID Field',
				name: 'idField',
				type: 'string',
				default: 'id',
				description: 'The record field that identifies a record',
			},
			{ ...queryParametersProperty, description: 'Filters for the list, sent with every poll' },
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: triggerOptions,
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const startedAt = systemClock.now();
		const credentials = await this.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
		const setup = readTriggerSetup(pollParameters(this), credentials);
		const { fields } = setup;

		if (this.getMode() === 'manual') {
			// "Fetch test event": the newest record, so fields can be mapped. Nothing is remembered.
			for await (const page of listPages(this, setup.request.call, setup.request.policy, setup.request.prefix, setup.pagination, { remaining: () => 1, advice: pagingAdvice })) {
				const newest = recordsOf(this, page.records)[0];
				return newest ? [[{ json: newest }]] : null;
			}
			return null;
		}

		const budget = pollBudget(setup.pollTimes, this.getPollBudgetMs?.());
		const policy: CallPolicy = { ...setup.request.policy, deadline: { at: startedAt + budget.ms, error: (what) => overBudget(this, setup, budget, what) } };
		const node = this.getNode();
		const outcome = await pollOnce({
			lockKey: pollLockKey(this.getWorkflow().id, node.id),
			staticData: () => this.getWorkflowStaticData('node'),
			stateKey: setup.key,
			fields,
			pages: () => recordPages(this, setup, policy),
			errors: {
				notNewestFirst: () =>
					new NodeOperationError(node, `Flextell did not return ${setup.path} newest first`, {
						description: `Field: Options › Sort Parameter / Sort Value. The trigger asks for the newest records first (${setup.sortDescription}) and reads back only as far as the last record it saw. Set the sort option so the list comes newest first.`,
					}),
				unreadableDate: (record) => unreadableDate(this, record, fields),
			},
		});
		if (outcome.kind === 'busy') {
			this.logger.info(`Flextell Trigger "${node.name}": the previous poll of this trigger is still running, so this poll ends without fetching (nothing emitted)`, {
				workflowId: this.getWorkflow().id,
				nodeId: node.id,
			});
		} else if (outcome.kind === 'stale') {
			this.logger.warn(`Flextell Trigger "${node.name}": another poll moved the watermark while this one ran, so this poll emits nothing (the next poll picks up anything new)`, {
				workflowId: this.getWorkflow().id,
				nodeId: node.id,
			});
		}
		return outcome.kind === 'new' ? [outcome.records.map((json) => ({ json }))] : null;
	}
}

/** The list, newest first, page by page, as records; every request within the poll's budget. */
async function* recordPages(ctx: IPollFunctions, setup: TriggerSetup, policy: CallPolicy): AsyncGenerator<IDataObject[]> {
	for await (const page of listPages(ctx, setup.request.call, policy, setup.request.prefix, setup.pagination, { advice: pagingAdvice })) {
		yield recordsOf(ctx, page.records);
	}
}

function overBudget(ctx: IPollFunctions, setup: TriggerSetup, budget: PollBudget, what: string): NodeOperationError {
	const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
	return new NodeOperationError(ctx.getNode(), `The poll of ${setup.path} did not finish within its time budget of ${seconds(budget.ms)}`, {
		itemIndex: 0,
		description:
			`Stopped at: ${what}. Field: Poll Times. A poll may take the shortest gap between two poll times (here ${seconds(budget.gapSeconds * 1000)}) minus a margin, ` +
			'so a slow poll ends before the next one is due instead of piling up behind it. Nothing was emitted and the trigger still remembers where it was: ' +
			'the next poll starts from there. If Flextell keeps asking to wait longer than that (Retry-After), poll less often.',
	});
}

function recordsOf(ctx: IPollFunctions, records: unknown[] | undefined): IDataObject[] {
	if (records === undefined) {
		throw new NodeOperationError(ctx.getNode(), 'Flextell did not answer with a list', {
			description: 'Field: Path. The trigger watches a list, such as "contacts"; a path to a single record cannot be watched.',
		});
	}
	return payloadToItems(records, true);
}

function unreadableDate(ctx: IPollFunctions, record: IDataObject, fields: RecordFields): NodeOperationError {
	const id = idOf(record, fields.idField) ?? '(no id)';
	return new NodeOperationError(ctx.getNode(), `Record ${id} has no readable "${fields.dateField}"`, {
		description: `Field: Date Field. The trigger orders and remembers records by this field; it must hold an ISO 8601 date or epoch seconds. Fields of this record: ${Object.keys(record).slice(0, 20).join(', ')}.`,
	});
}
