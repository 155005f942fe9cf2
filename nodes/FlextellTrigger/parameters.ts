/**
 * The Flextell Trigger's settings for one poll, read and checked once, here, into one object the
 * poll uses: the list to watch (the shared request: path, query, request options), its record
 * fields, the sort that brings it newest first, the pagination options and the Poll Times. Every
 * problem goes through the poll's one `fail`, which names the field.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { Fail, Parameters } from '../shared/parameter-source';
import type { PaginationOptionValues, RequestOptions, RequestSetup } from '../shared/parameters';
import { readPagination, readRequest } from '../shared/parameters';
import type { PaginationConfig } from '../shared/transport';
import type { RecordFields } from './watermark';

export interface TriggerSetup {
	/** The Path as written, for messages. */
	path: string;
	request: RequestSetup;
	pagination: PaginationConfig;
	fields: RecordFields;
	/** What the remembered state belongs to (list, filters, fields): a change starts afresh. */
	key: string;
	/** The sort asked for, for messages (`sort=-created_at`, or that there is none). */
	sortDescription: string;
	/** The Poll Times parameter as n8n holds it (poll-budget.ts reads it). */
	pollTimes: unknown;
}

/** The Options collection of the trigger: the shared request and pagination options and the sort. */
type TriggerOptions = RequestOptions & PaginationOptionValues & IDataObject & { sortParameter?: unknown; sortValue?: unknown };

export function readTriggerSetup(params: Parameters, credentials: ICredentialDataDecryptedObject): TriggerSetup {
	const { fail } = params;
	const event = params.get('event', 'newRecord') as string;
	const defaultDateField = event === 'newOrUpdatedRecord' ? 'updated_at' : 'created_at';
	const fields: RecordFields = {
		idField: fieldName(params.get('idField', 'id'), 'id', 'ID Field', fail),
		dateField: fieldName(params.get('dateField', defaultDateField), defaultDateField, 'Date Field', fail),
	};
	const options = params.get('options', {}) as TriggerOptions;
	const path = params.get('path', '');
	const request = readRequest(params, credentials, { method: 'GET', path }, options);

	const sortParameter = typeof options.sortParameter === 'string' ? options.sortParameter.trim() : 'sort';
	const sortValue = typeof options.sortValue === 'string' && options.sortValue.trim() ? options.sortValue.trim() : `-${fields.dateField}`;
	if (sortParameter && request.call.qs?.[sortParameter] === undefined) {
		request.call.qs = { ...request.call.qs, [sortParameter]: sortValue };
	}

	return {
		path: String(path),
		request,
		pagination: readPagination(options, fail),
		fields,
		key: JSON.stringify([request.call.url, request.call.qs ?? {}, fields.dateField, fields.idField]),
		sortDescription: sortParameter ? `${sortParameter}=${String(request.call.qs?.[sortParameter])}` : 'no sort parameter',
		pollTimes: params.get('pollTimes', {}),
	};
}

function fieldName(value: unknown, fallback: string, label: string, fail: Fail): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') return fallback;
	if (text.length > 200) fail(`The ${label} is too long`, `Field: ${label}.`);
	return text;
}
