import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { requestProperties } from './FlextellDescription';
import { readItemRequest } from './parameters';
import { asNodeError, errorItem } from './transport/errors';
import { callFlextell, CREDENTIAL_TYPE } from './transport/request';
import { shapeOutput } from './transport/response';

export class Flextell implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Flextell',
		name: 'flextell',
		icon: { light: 'file:../../icons/flextell.svg', dark: 'file:../../icons/flextell.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["method"] + " " + $parameter["path"] }}',
		description: 'Call any resource of the Flextell API, with rate limits handled',
		defaults: { name: 'Flextell' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: requestProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials: ICredentialDataDecryptedObject = await this.getCredentials(CREDENTIAL_TYPE);
		const output: INodeExecutionData[] = [];

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const request = readItemRequest(this, itemIndex, credentials);
				const result = await callFlextell(this, request.call, request.policy);
				for (const json of shapeOutput(result, request.options)) {
					output.push({ json, pairedItem: { item: itemIndex } });
				}
			} catch (error) {
				if (!this.continueOnFail()) throw asNodeError(this.getNode(), error, itemIndex);
				output.push({ json: errorItem(error) as IDataObject, pairedItem: { item: itemIndex } });
			}
		}
		return [output];
	}
}
