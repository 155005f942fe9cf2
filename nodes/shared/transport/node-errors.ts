/**
 * From a failure to what n8n shows: the n8n error for a failure record (its message and
 * description rendered from the redacted record, the record attached), an error given its item
 * (asNodeError), and the json a failed item becomes when the node continues on fail (errorItem).
 */
import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { FailureRecord } from './failure';
import { attachFailure, failureOf, renderDescription } from './failure';
import { redactFields } from './redact';

/**
 * The n8n error for a failure: its message and description rendered from the (redacted) record,
 * the record attached to its context for the error item and the tool answer.
 */
export function failureError(node: INode, failure: FailureRecord, secrets: ReadonlyArray<string | undefined>, itemIndex?: number): NodeApiError {
	const record = redactFields(failure, secrets);
	const description = renderDescription(record);
	const error = new NodeApiError(
		node,
		{ error: record.code, message: record.message, ...(record.status ? { statusCode: record.status } : {}) },
		{
			message: record.message,
			description,
			httpCode: record.status ? String(record.status) : undefined,
			...(itemIndex !== undefined ? { itemIndex } : {}),
		},
	);
	attachFailure(error, record);
	return error;
}

interface ErrorItemDetails {
	message: string;
	/** Flextell's error code (e.g. not_found), else node_error. */
	code: string;
	statusCode: number | null;
	/** What to do about it, when the error says. */
	description?: string;
	/** A rate limit the node would not wait out: seconds until Flextell accepts requests again. */
	retryAfterSeconds?: number;
}

/**
 * The json a failed input item becomes when the node continues on fail. Everything sits under the
 * one key `error`: n8n takes an item whose json is only `error` for an error item (1.x accepts no
 * other key beside it but `message`), so On Error "Continue (using error output)" routes it to the
 * error output, merged with its input item.
 */
export function errorItem(error: unknown): { error: ErrorItemDetails } {
	const failure = failureOf(error);
	if (failure) {
		const details: ErrorItemDetails = { message: failure.message, code: failure.code, statusCode: failure.status ?? null, description: renderDescription(failure) };
		if (failure.retryAfterSeconds !== undefined) details.retryAfterSeconds = failure.retryAfterSeconds;
		return { error: details };
	}
	const err = error as { message?: unknown; httpCode?: unknown; errorResponse?: { error?: unknown }; description?: unknown };
	const code = typeof err?.errorResponse?.error === 'string' ? err.errorResponse.error : 'node_error';
	const status = Number(err?.httpCode);
	const details: ErrorItemDetails = {
		message: typeof err?.message === 'string' ? err.message : String(error),
		code,
		statusCode: Number.isInteger(status) && status > 0 ? status : null,
	};
	if (typeof err?.description === 'string' && err.description.trim() !== '') details.description = err.description;
	return { error: details };
}

/** n8n errors pass through (with the item index set); anything else is wrapped. */
export function asNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
