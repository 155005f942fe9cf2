/**
 * Reading an answer's body: the stream (readBody and discardBody consume it), strict UTF-8, the
 * size bound, and parsing the text into a ParsedBody. What the body says is read elsewhere
 * (envelope.ts: Flextell's error shape; response.ts: the output).
 */
export type ParsedBody =
	| { kind: 'empty' }
	| { kind: 'json'; value: unknown }
	| { kind: 'not-json'; contentType: string; snippet: string; isHtml: boolean; truncated: boolean }
	/** More than `maxBytes` arrived; reading stopped there and the rest was never taken in. */
	| { kind: 'too-large'; maxBytes: number }
	| { kind: 'not-utf8' };

const SNIPPET_LENGTH = 200;

/**
 * The largest answer the node reads: n8n's HTTP helper sets no limit of its own (axios
 * `maxContentLength: Infinity`, not settable through IHttpRequestOptions), so the node reads the
 * body as a stream and stops here. 16 MB is also n8n's default maximum payload size.
 */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a response body (a stream when requested with `encoding: 'stream'`; a string or bytes from
 * other callers) as strict UTF-8 and parses it. Stops reading, and releases the stream, as soon
 * as more than `maxBytes` have arrived, so memory stays bounded whatever the server sends.
 * Errors of the stream (a reset, the deadline) are thrown to the caller.
 */
export async function readBody(
	body: unknown,
	contentType: unknown,
	options: { maxBytes?: number; deadline?: AbortSignal } = {},
): Promise<ParsedBody> {
	const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES;
	if (body === undefined || body === null || typeof body === 'string') {
		const text = body ?? '';
		if (text.length > maxBytes) return { kind: 'too-large', maxBytes };
		return parseBody(text, contentType);
	}
	const decoder = new TextDecoder('utf-8', { fatal: true });
	const parts: string[] = [];
	let size = 0;
	// At the deadline the stream is destroyed, which ends the loop below with an error.
	const stop = () => discardBody(body, new Error('The response did not arrive in time'));
	if (options.deadline?.aborted) stop();
	options.deadline?.addEventListener('abort', stop, { once: true });
	try {
		for await (const chunk of chunksOf(body)) {
			size += chunk.byteLength;
			// Leaving the loop ends the iteration, which destroys the stream.
			if (size > maxBytes) return { kind: 'too-large', maxBytes };
			const text = decodeStrict(decoder, chunk);
			if (text === undefined) return { kind: 'not-utf8' };
			parts.push(text);
		}
	} finally {
		options.deadline?.removeEventListener('abort', stop);
	}
	const rest = decodeStrict(decoder);
	if (rest === undefined) return { kind: 'not-utf8' };
	parts.push(rest);
	return parseBody(parts.join(''), contentType);
}

/** The next piece of text, or undefined when the bytes are not UTF-8 (also a sequence cut at the end). */
function decodeStrict(decoder: InstanceType<typeof TextDecoder>, chunk?: Uint8Array): string | undefined {
	try {
		return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
	} catch {
		return undefined;
	}
}

/** The byte chunks of a body: a stream (async iterable), or a single buffer. */
function chunksOf(body: unknown): AsyncIterable<Uint8Array> | Uint8Array[] {
	if (body instanceof Uint8Array) return [body];
	if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
		return body as AsyncIterable<Uint8Array>;
	}
	if (body instanceof ArrayBuffer) return [new Uint8Array(body)];
	return [new TextEncoder().encode(JSON.stringify(body))];
}

/** Lets go of a body that will not be read (a stream would otherwise hold its connection). */
export function discardBody(body: unknown, reason?: Error): void {
	const destroy = (body as { destroy?: unknown })?.destroy;
	if (typeof destroy === 'function') destroy.call(body, reason);
}

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
function snippetOf(body: string, isHtml: boolean): string {
	let text = body;
	if (isHtml) {
		const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
		text = title ?? body.replace(/<[^>]*>/g, ' ');
	}
	text = text.replace(/\s+/g, ' ').trim();
	return text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text;
}
