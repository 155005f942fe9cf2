/**
 * Polls the Flextell Trigger the way n8n does: n8n-core's PollContext (real
 * httpRequestWithAuthentication, OAuth2 signing, node static data) run through n8n-core's
 * TriggersAndPollers. One `Workflow` object lives across polls, so the node's static data
 * persists between them as it does in an active workflow.
 *
 * Saving follows n8n (2.x and 1.x, legacy scheduler): the workflow's static data is written to
 * the database after the activation poll and whenever a poll emits, at the moment it emits; a
 * null poll saves nothing. `restart()` stands for the process dying: a new in-memory workflow
 * from what was saved, and the process-wide state (poll locks, 429 gates) gone.
 */
import { randomUUID } from 'node:crypto';

import { DirectoryLoader, PollContext, TriggersAndPollers } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	IWorkflowBase,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { rateGates } from '../../nodes/shared/transport/rate-gate';
import { FlextellTrigger } from '../../nodes/FlextellTrigger/FlextellTrigger.node';
import { resetPollLocks } from '../../nodes/FlextellTrigger/poll-lock';
import type { MemoryCredentialsHelper } from './harness';
import { CREDENTIAL_TYPE, executionAdditionalData, nodeTypes, registerNodeType } from './harness';

export const TRIGGER_TYPE = 'n8n-nodes-flextell.flextellTrigger';
const trigger = new FlextellTrigger();
// What n8n's loader does to every polling node: it adds the Poll Times parameter (pollTimes).
(DirectoryLoader.prototype as unknown as { applySpecialNodeParameters(type: INodeType): void }).applySpecialNodeParameters(trigger);
registerNodeType(TRIGGER_TYPE, trigger);

export interface Poller {
	/** One poll in active mode ('trigger'): the items n8n would start an execution with, or null. */
	poll(): Promise<INodeExecutionData[] | null>;
	/** "Fetch test event" (manual mode). */
	pollManually(): Promise<INodeExecutionData[] | null>;
	/** The node's static data as it is in memory (what the next poll reads). */
	staticData(): IDataObject;
	/** The static data as n8n last saved it to its database. */
	savedStaticData(): IDataObject;
	/** The process restarts: the workflow is loaded again from what was saved. */
	restart(): void;
	workflow: Workflow;
}

export interface PollerOptions {
	credentials: MemoryCredentialsHelper;
	parameters: INode['parameters'];
	credentialId?: string;
	/** The poll budget n8n hands the node (`getPollBudgetMs`, as n8n's durable scheduler does); default: n8n-core's. */
	engineBudgetMs?: number;
}

export function makePoller(options: PollerOptions): Poller {
	const node: INode = {
		id: randomUUID(),
		name: 'Flextell Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: options.credentialId ?? 'cred-1', name: 'Flextell account' } },
	};
	const load = (staticData: IDataObject) =>
		new Workflow({
			id: 'wf-trigger-test',
			name: 'trigger test',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: clone(staticData),
		});
	let workflow = load({});
	let saved: IDataObject = {};
	let activated = false;
	const triggersAndPollers = new TriggersAndPollers();

	const run = async (mode: WorkflowExecuteMode): Promise<INodeExecutionData[] | null> => {
		const executionId = randomUUID();
		const polled = workflow;
		const workflowData = { id: polled.id, name: polled.name, nodes: [node], connections: {} } as unknown as IWorkflowBase;
		const additionalData = executionAdditionalData(options.credentials, mode, executionId, workflowData);
		const budget = options.engineBudgetMs;
		const context = new PollContext(
			polled,
			node,
			additionalData,
			mode,
			mode === 'manual' ? 'manual' : 'activate',
			undefined,
			undefined,
			undefined,
			undefined,
			undefined,
			budget === undefined ? undefined : () => budget,
		);
		const activation = mode !== 'manual' && !activated;
		const result = await triggersAndPollers.runPollFunction(polled, node, context);
		// A poll of a workflow the process no longer runs (restarted meanwhile) saves nothing.
		if (polled === workflow && mode !== 'manual' && (result || activation)) {
			activated = true;
			saved = clone(polled.staticData);
		}
		return result ? result[0] : null;
	};

	return {
		poll: async () => await run('trigger'),
		pollManually: async () => await run('manual'),
		staticData: () => clone(workflow.staticData),
		savedStaticData: () => clone(saved),
		restart: () => {
			resetPollLocks();
			rateGates.clear();
			workflow = load(saved);
		},
		get workflow() {
			return workflow;
		},
	};
}

function clone(data: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(data)) as IDataObject;
}
