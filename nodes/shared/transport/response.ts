/**
 * Turning a successful Flextell answer into the json of n8n items. Pure functions.
 *
 * Flextell wraps successful payloads as `{"data": …}`. The node hands users the payload itself:
 * an object becomes one item, a list one item per element (unless splitting is off), and an
 * answer without a body (204) becomes `{ "success": true }`.
 */
import type { IDataObject } from 'n8n-workflow';

import type { ParsedBody } from './body';
import { isPlainObject } from './values';

interface ShapeOptions {
	splitIntoItems: boolean;
	fullResponse: boolean;
}

export interface SuccessResponse {
	statusCode: number;
	headers: IDataObject;
	body: Extract<ParsedBody, { kind: 'empty' | 'json' }>;
}

/** The JSON of the output items for one successful response. */
export function shapeOutput(response: SuccessResponse, options: ShapeOptions): IDataObject[] {
	const { body } = response;
	if (options.fullResponse) {
		return [
			{
				statusCode: response.statusCode,
				headers: response.headers,
				body: body.kind === 'json' ? (body.value as IDataObject) : null,
			},
		];
	}
	if (body.kind === 'empty') return [{ success: true }];
	return payloadToItems(unwrapData(body.value), options.splitIntoItems);
}

/** `{"data": x}` → x; any other JSON is the payload as it is. */
export function unwrapData(value: unknown): unknown {
	return isPlainObject(value) && 'data' in value ? value.data : value;
}

export function payloadToItems(payload: unknown, splitIntoItems: boolean): IDataObject[] {
	if (Array.isArray(payload)) {
		if (!splitIntoItems) return [{ data: payload }];
		return payload.map((element) => (isPlainObject(element) ? element : { value: element })) as IDataObject[];
	}
	if (isPlainObject(payload)) return [payload as IDataObject];
	return [{ data: payload as IDataObject[keyof IDataObject] }];
}
