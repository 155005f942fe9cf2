/**
 * Polls the Flextell Trigger the way n8n does: n8n-core's PollContext (real
 * httpRequestWithAuthentication, OAuth2 signing, node static data) run through n8n-core's
 * TriggersAndPollers. One `Workflow` object lives across polls, so the node's static data
 * persists between them as it does in an active workflow.
 */
import { randomUUID } from 'node:crypto';

import { PollContext, TriggersAndPollers } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	IWorkflowBase,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { FlextellTrigger } from '../../nodes/FlextellTrigger/FlextellTrigger.node';
import type { MemoryCredentialsHelper } from './harness';
import { CREDENTIAL_TYPE, executionAdditionalData, nodeTypes, registerNodeType } from './harness';

export const TRIGGER_TYPE = 'n8n-nodes-flextell.flextellTrigger';
registerNodeType(TRIGGER_TYPE, new FlextellTrigger());

export interface Poller {
	/** One poll in active mode ('trigger'): the items n8n would start an execution with, or null. */
	poll(): Promise<INodeExecutionData[] | null>;
	/** "Fetch test event" (manual mode). */
	pollManually(): Promise<INodeExecutionData[] | null>;
	/** The node's static data as n8n would save it with the workflow. */
	staticData(): IDataObject;
	workflow: Workflow;
}

export function makePoller(options: { credentials: MemoryCredentialsHelper; parameters: INode['parameters']; credentialId?: string }): Poller {
	const node: INode = {
		id: randomUUID(),
		name: 'Flextell Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: options.credentialId ?? 'cred-1', name: 'Flextell account' } },
	};
	const workflow = new Workflow({
		id: 'wf-trigger-test',
		name: 'trigger test',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes,
		staticData: {},
	});
	const triggersAndPollers = new TriggersAndPollers();

	const run = async (mode: WorkflowExecuteMode): Promise<INodeExecutionData[] | null> => {
		const executionId = randomUUID();
		const workflowData = { id: workflow.id, name: workflow.name, nodes: [node], connections: {} } as unknown as IWorkflowBase;
		const additionalData = executionAdditionalData(options.credentials, mode, executionId, workflowData);
		const context = new PollContext(workflow, node, additionalData, mode, mode === 'manual' ? 'manual' : 'activate');
		const result = await triggersAndPollers.runPollFunction(workflow, node, context);
		return result ? result[0] : null;
	};

	return {
		poll: async () => await run('trigger'),
		pollManually: async () => await run('manual'),
		staticData: () => JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject,
		workflow,
	};
}
