/**
 * The result an AI model reads when a Flextell call made as a tool fails. Pure functions.
 *
 * n8n passes a tool node's thrown error to the model as its message alone (n8n 2.40.7:
 * `{"error": "<message>"}`; n8n 1.123.81 stops the whole execution instead), so in tool mode the
 * node returns this result as its output: the HTTP status, the error code, the message, the
 * advice the node gives users, the seconds to wait, what the model can do next, and the method
 * and path tried. Rendered from the transport's failure record (failure.ts) field by field; an
 * error without one (a parameter refused before sending) gives its message and description as
 * they are. The secrets are removed once more here (the one redaction function) all the same.
 */
import type { IDataObject } from 'n8n-workflow';

import { failureOf, redactFields } from '../shared/transport';

interface ToolFailure {
	status: number | null;
	code: string;
	message: string;
	/** What the node tells users to do (its error description without the request line). */
	hint?: string;
	/** What the model can do about it. */
	next_step: string;
	/** `GET contacts/obj_1`: the method and the path as the tool was given them. */
	request: string;
	/** false: refused before anything was sent to Flextell. */
	sent: boolean;
	/** For a rate limit longer than the tool may wait: seconds until Flextell accepts requests again. */
	retry_after_seconds?: number;
	/** Flextell's own message, when it differs from `message`. */
	flextell_message?: string;
}

interface ToolRequestInfo {
	method: string;
	path: string;
	/** Whether the request got as far as the transport (false: a parameter was refused first). */
	sent: boolean;
}

const NEXT_STEPS: Record<number, string> = {
	400: 'Check the JSON body and the query parameters, then call again.',
	401: 'The Flextell connection must be renewed by the user; calling again will not help. Tell the user.',
	403: 'The Flextell connection lacks the permission (scope) for this; calling again will not help. Tell the user which action was refused.',
	404: 'The path is relative to the API version, like contacts or contacts/<id>. Check the collection name and the id (list the collection to find ids), then call again.',
	409: 'The record changed or conflicts with another; read it again before writing.',
	422: 'Flextell refused the data: fix the field named in the message in the body (a JSON object) and call again.',
	429: 'Flextell is rate-limiting this connection longer than the tool may wait, and nothing more was sent. Call again after retry_after_seconds (when given), or tell the user to try later.',
};

/** The json of the one output item a failed tool call gives the model. */
export function toolErrorResult(error: unknown, request: ToolRequestInfo, secrets: ReadonlyArray<string | undefined>): { error: IDataObject } {
	const record = failureOf(error);
	const err = (error ?? {}) as { message?: unknown; description?: unknown };
	const message = record?.message ?? (typeof err.message === 'string' && err.message !== '' ? err.message : String(error));
	const status = record?.status ?? null;
	const sent = record?.sent ?? request.sent;
	const code = record?.code ?? (request.sent ? 'request_failed' : 'invalid_request');
	const failure: ToolFailure = {
		status,
		code,
		message,
		next_step: nextStep(status, code, record !== undefined || request.sent),
		request: `${request.method} ${request.path}`,
		sent,
	};
	const hint = record?.advice ?? (typeof err.description === 'string' && err.description.trim() !== '' ? err.description.trim() : undefined);
	if (hint !== undefined && hint !== '') failure.hint = hint;
	if (record?.retryAfterSeconds !== undefined) failure.retry_after_seconds = record.retryAfterSeconds;
	if (record?.flextellMessage !== undefined && record.flextellMessage !== message) failure.flextell_message = record.flextellMessage;
	return { error: redactFields(failure, secrets) as unknown as IDataObject };
}

/** What the model can do. `reached`: the call got past the node's own checks to the transport. */
function nextStep(status: number | null, code: string, reached: boolean): string {
	if (code === 'rate_limit_exceeded') return NEXT_STEPS[429];
	if (code === 'credential_not_connected') return 'The Flextell connection has not been set up by the user; calling again will not help. Tell the user to connect the Flextell credential.';
	if (!reached) return 'Nothing was sent to Flextell: fix the argument named in the message (the path stays relative, like contacts/<id>; the body is a JSON object) and call again.';
	if (status !== null && NEXT_STEPS[status]) return NEXT_STEPS[status];
	if (status !== null && status >= 500) return 'Flextell had a server error; calling again later may work. Do not repeat a create (POST) without checking whether it happened.';
	if (code === 'timeout' || code === 'network_error') return 'Flextell could not be reached; try once more later, or tell the user.';
	return 'Read the message and hint; fix the request if it names a problem, otherwise tell the user.';
}
