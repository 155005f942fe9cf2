/**
 * Runs the Flextell node inside n8n's own execution engine (n8n-core's WorkflowExecute), with
 * the real `httpRequestWithAuthentication`, OAuth2 signing and token refresh. Only the
 * credential store is ours: an in-memory credentials helper that records every token n8n
 * writes back.
 */
import { randomUUID } from 'node:crypto';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRun,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, ICredentialsHelper, Workflow } from 'n8n-workflow';

import { Flextell } from '../../nodes/Flextell/Flextell.node';
import { CREDENTIAL_TYPE, credentialData } from '../../scripts/lib/credential';

export const NODE_TYPE = 'n8n-nodes-flextell.flextell';
export { CREDENTIAL_TYPE };

/** The tool variant as n8n makes it for an AI Agent: the node with `Tool` after its name. */
export const TOOL_TYPE = 'n8n-nodes-flextell.flextellTool';
function toolVariant(): INodeType {
	const node = new Flextell();
	node.description = { ...node.description, name: `${node.description.name}Tool`, inputs: [], outputs: ['ai_tool'] } as typeof node.description;
	return node;
}

const nodeTypeInstances: Record<string, INodeType> = { [NODE_TYPE]: new Flextell(), [TOOL_TYPE]: toolVariant() };

export const nodeTypes: INodeTypes = {
	getByName: (name) => nodeTypeInstances[name],
	getByNameAndVersion: (name) => nodeTypeInstances[name],
	getKnownTypes: () => ({}),
} as INodeTypes;

export function registerNodeType(name: string, type: INodeType): void {
	nodeTypeInstances[name] = type;
}

/** An in-memory credential store speaking n8n's ICredentialsHelper. */
export class MemoryCredentialsHelper extends ICredentialsHelper {
	readonly store = new Map<string, ICredentialDataDecryptedObject>();
	readonly tokenUpdates: IDataObject[] = [];

	set(id: string, data: ICredentialDataDecryptedObject): void {
		this.store.set(id, structuredClone(data));
	}

	get(id: string): ICredentialDataDecryptedObject {
		const data = this.store.get(id);
		if (!data) throw new Error(`No credential ${id}`);
		return data;
	}

	getParentTypes(name: string): string[] {
		return name === CREDENTIAL_TYPE ? ['oAuth2Api'] : [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(_c: ICredentialDataDecryptedObject, _t: string, options: IHttpRequestOptions) {
		return options;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by n8n-core');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
	): Promise<ICredentialDataDecryptedObject> {
		return structuredClone(this.get(nodeCredentials.id ?? ''));
	}

	async updateCredentials(nodeCredentials: INodeCredentialsDetails, _type: string, data: ICredentialDataDecryptedObject) {
		this.set(nodeCredentials.id ?? '', data);
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	) {
		const stored = this.get(nodeCredentials.id ?? '');
		stored.oauthTokenData = structuredClone(data.oauthTokenData);
		this.tokenUpdates.push(structuredClone(data.oauthTokenData as IDataObject));
	}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}

/** Credential data as n8n hands it to requestOAuth2: the oAuth2Api fields plus ours. */
export function flextellCredential(options: {
	baseUrl: string;
	tokenUrl: string;
	clientId: string;
	clientSecret: string;
	tokens: { access_token: string; refresh_token?: string };
	apiVersion?: string;
	authentication?: 'header' | 'body';
}): ICredentialDataDecryptedObject {
	return credentialData(options) as ICredentialDataDecryptedObject;
}

export interface RunOptions {
	credentials: MemoryCredentialsHelper;
	credentialId?: string;
	parameters: INode['parameters'];
	/** Input items; one empty item by default. */
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	nodeType?: string;
	mode?: WorkflowExecuteMode;
}

export interface NodeRun {
	/** Output items of the node (first output). */
	items: INodeExecutionData[];
	/** The execution error, if the node failed. */
	error?: Error & IDataObject;
	run: IRun;
}

/** Starts a run; `cancel()` cancels the execution the way n8n does (its abort signal). */
export function startNode(options: RunOptions): { result: Promise<NodeRun>; cancel: () => void } {
	const node: INode = {
		id: randomUUID(),
		name: 'Flextell',
		type: options.nodeType ?? NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: options.credentialId ?? 'cred-1', name: 'Flextell account' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const workflowData: IWorkflowBase = {
		id: 'wf-engine-test',
		name: 'engine test',
		active: false,
		isArchived: false,
		nodes: [node],
		connections: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as unknown as IWorkflowBase;
	const workflow = new Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes,
	});

	const executionId = randomUUID();
	const mode = options.mode ?? 'manual';
	const additionalData = executionAdditionalData(options.credentials, mode, executionId, workflowData);

	const stack: IExecuteData[] = [
		{ node, data: { main: [options.items ?? [{ json: {} }]] }, source: null },
	];
	const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: stack } });
	const execution = new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);

	const result = (async (): Promise<NodeRun> => {
		const run = await execution;
		const taskData = run.data.resultData.runData[node.name]?.[0];
		return {
			items: taskData?.data?.main?.[0] ?? [],
			error: (run.data.resultData.error ?? taskData?.error) as NodeRun['error'],
			run,
		};
	})();
	return { result, cancel: () => execution.cancel() };
}

/** What n8n-core needs around one execution: ids, our credential store, lifecycle hooks, URLs. */
export function executionAdditionalData(
	credentials: MemoryCredentialsHelper,
	mode: WorkflowExecuteMode,
	executionId: string,
	workflowData: IWorkflowBase,
): IWorkflowExecuteAdditionalData {
	return {
		executionId,
		credentialsHelper: credentials,
		hooks: new ExecutionLifecycleHooks(mode, executionId, workflowData),
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export async function runNode(options: RunOptions): Promise<NodeRun> {
	return await startNode(options).result;
}

/**
 * n8n-core's own Logger instance (the one `this.logger` returns in node contexts). Resolved from
 * n8n-core's folder: other copies of @n8n/backend-common and @n8n/di exist in node_modules.
 */
export function n8nLogger(): Record<'error' | 'warn' | 'info' | 'debug', (message: string, meta?: object) => void> {
	const coreDir = require('node:path').dirname(require.resolve('n8n-core/package.json'));
	const { Logger } = require(require.resolve('@n8n/backend-common', { paths: [coreDir] }));
	const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] }));
	return Container.get(Logger);
}
