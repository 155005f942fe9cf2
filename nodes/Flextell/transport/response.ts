/**
 * Turning Flextell's answers into n8n items. Pure functions.
 *
 * Flextell wraps successful payloads as `{"data": …}`. The node hands users the payload itself:
 * an object becomes one item, a list one item per element (unless splitting is off), and an
 * answer without a body (204) becomes `{ "success": true }`.
 */
import type { IDataObject } from 'n8n-workflow';

export type ParsedBody =
	| { kind: 'empty' }
	| { kind: 'json'; value: unknown }
	| { kind: 'not-json'; contentType: string; snippet: string; isHtml: boolean; truncated: boolean };

const SNIPPET_LENGTH = 200;

export function parseBody(text: unknown, contentType: unknown): ParsedBody {
	const body = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
	const type = typeof contentType === 'string' ? contentType.toLowerCase() : '';
	if (body.trim() === '') return { kind: 'empty' };
	try {
		return { kind: 'json', value: JSON.parse(body) };
	} catch {
		const isHtml = type.includes('html') || /^\s*<(!doctype|html|head|body)\b/i.test(body);
		const truncated = !isHtml && /^\s*[[{]/.test(body);
		return { kind: 'not-json', contentType: type, snippet: snippetOf(body, isHtml), isHtml, truncated };
	}
}

/** A short, single-line, human-readable excerpt; for an HTML page, its title or text. */
export function snippetOf(body: string, isHtml: boolean): string {
	let text = body;
	if (isHtml) {
		const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
		text = title ?? body.replace(/<[^>]*>/g, ' ');
	}
	text = text.replace(/\s+/g, ' ').trim();
	return text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text;
}

/** Flextell's `{"error": "code", "message": "…"}`, when the body has that shape. */
export function flextellError(body: ParsedBody): { code?: string; message?: string } {
	if (body.kind !== 'json' || !isPlainObject(body.value)) return {};
	const { error, message } = body.value;
	return {
		code: typeof error === 'string' ? error : undefined,
		message: typeof message === 'string' ? message : undefined,
	};
}

export interface ShapeOptions {
	splitIntoItems: boolean;
	fullResponse: boolean;
}

export interface SuccessResponse {
	statusCode: number;
	headers: IDataObject;
	body: ParsedBody & { kind: 'empty' | 'json' };
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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Response headers as a plain object with lower-case names (axios may hand back a class). */
export function plainHeaders(headers: unknown): IDataObject {
	if (!isPlainObject(headers)) return {};
	const source =
		typeof (headers as { toJSON?: unknown }).toJSON === 'function'
			? ((headers as { toJSON: () => unknown }).toJSON() as Record<string, unknown>)
			: headers;
	const out: IDataObject = {};
	for (const [name, value] of Object.entries(source)) {
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) {
			out[name.toLowerCase()] = value as IDataObject[keyof IDataObject];
		}
	}
	return out;
}

export function headerValue(headers: IDataObject, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
	return value === undefined || value === null ? undefined : String(value);
}
