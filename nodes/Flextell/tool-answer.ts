/**
 * The answer an AI Agent's model reads when the Flextell node runs as a tool. Pure functions.
 *
 * n8n hands the model `JSON.stringify` of the tool's output items, so what is built here is one
 * item's json, and its size is measured the way the model will receive it. A list is cut at record
 * boundaries (the model always gets valid JSON), never mid-record; whenever records are left out,
 * by the character bound or by Limit, a note says how many were shown of how many (or that more
 * exist) and how to narrow or continue. Optional field selection (dot paths) is applied first.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { isPlainObject, nextCursorOf, unwrapData, wholeNumberOf } from '../shared/transport';

/**
 * n8n registers the node a second time as `<package>.flextellTool` for AI Agents (and shows the
 * options marked `@tool` only there): the node runs in tool mode exactly when it runs as that type.
 */
export function isToolNode(node: Pick<INode, 'type'>): boolean {
	return /(^|\.)flextellTool$/.test(node.type);
}

/** The bound on what one tool call hands the model, in characters (0 = no bound). */
export const DEFAULT_MAX_CHARACTERS = 20_000;

export interface ToolAnswerSettings {
	/** Most characters the model receives for this call; 0 = no bound. */
	maxCharacters: number;
	/** Keep only these fields (dot paths, split); empty = all. */
	keep: string[][];
	/** Drop these fields (dot paths, split). */
	drop: string[][];
}

export interface ToolCall {
	method: string;
	/** The path as written (relative to the API version). */
	path: string;
	/** Limit in force for a GET without Return All: records past it are cut. */
	limit?: number;
	/** Return All collected every page: nothing more exists beyond the records. */
	returnAll?: boolean;
	/** The node's Next Cursor Field and Cursor Parameter (Options › Pagination); default next_cursor, cursor. */
	cursor?: CursorNames;
}

interface CursorNames {
	/** Response field with the next cursor (dots reach deeper; also looked for under `meta`). */
	field: string;
	/** Query parameter that carries it. */
	parameter: string;
}

const DEFAULT_CURSOR: CursorNames = { field: 'next_cursor', parameter: 'cursor' };

/** What a list answer says about records beyond it. */
export interface Paging {
	/** Flextell says there are more records than this answer holds. */
	more: boolean;
	nextCursor?: string;
	/** The list's total, when Flextell states it. */
	total?: number;
}

/** Characters the model receives for these output items (n8n sends `JSON.stringify` of their json). */
export function modelCharacters(items: unknown[]): number {
	return JSON.stringify(items).length;
}

/** Keeps only the given paths (and the order the record had); a list applies the paths to each element. */
export function keepFields(value: unknown, paths: string[][]): unknown {
	return eachField(value, paths, (child, rest) => {
		if (rest.length === 0) return LEAVE_OUT;
		if (rest.some((path) => path.length === 0)) return child;
		return isPlainObject(child) || Array.isArray(child) ? keepFields(child, rest) : LEAVE_OUT;
	});
}

/** Drops the given paths; a list applies the paths to each element. */
export function dropFields(value: unknown, paths: string[][]): unknown {
	return eachField(value, paths, (child, rest) => {
		if (rest.some((path) => path.length === 0)) return LEAVE_OUT;
		return rest.length === 0 ? child : dropFields(child, rest);
	});
}

const LEAVE_OUT = Symbol('leave out');

/**
 * A copy of a record with each field replaced by what `field` makes of it (or left out), given
 * the rest of the paths that start at that field; a list applies it to each element.
 */
function eachField(value: unknown, paths: string[][], field: (child: unknown, rest: string[][]) => unknown): unknown {
	if (paths.length === 0) return value;
	if (Array.isArray(value)) return value.map((element) => eachField(element, paths, field));
	if (!isPlainObject(value)) return value;
	const out: Record<string, unknown> = {};
	for (const [key, child] of Object.entries(value)) {
		const made = field(child, paths.filter((path) => path[0] === key).map((path) => path.slice(1)));
		if (made !== LEAVE_OUT) out[key] = made;
	}
	return out;
}

function selectFields(value: unknown, settings: Pick<ToolAnswerSettings, 'keep' | 'drop'>): unknown {
	return dropFields(keepFields(value, settings.keep), settings.drop);
}

/**
 * What a list answer says about more records: a next cursor (the node's Next Cursor Field, top
 * level or under `meta`), a next link (body or `Link` header), `has_more`, or `meta.total` beyond
 * this page.
 */
export function readPaging(body: unknown, headers: IDataObject | undefined, count: number, cursorField = DEFAULT_CURSOR.field): Paging {
	const paging: Paging = { more: false };
	if (isPlainObject(body)) {
		const meta = isPlainObject(body.meta) ? body.meta : {};
		const cursor = nextCursorOf(body, cursorField);
		if (cursor !== undefined) {
			paging.more = true;
			paging.nextCursor = cursor;
		}
		if (nonEmptyString(body.next) !== undefined || nonEmptyString(meta.next) !== undefined) paging.more = true;
		if (body.has_more === true || meta.has_more === true) paging.more = true;
		const total = wholeNumberOf(meta.total) ?? wholeNumberOf(body.total);
		if (total !== undefined) {
			paging.total = total;
			const page = wholeNumberOf(meta.page);
			const perPage = wholeNumberOf(meta.per_page);
			const seen = page !== undefined && perPage !== undefined ? page * perPage : count;
			if (total > seen) paging.more = true;
		}
	}
	const link = headers?.link;
	if (typeof link === 'string' && /rel="?next"?/i.test(link)) paging.more = true;
	return paging;
}

/**
 * The one json the model reads for a successful call. `body` is Flextell's parsed answer
 * (undefined for an empty one), `headers` its response headers.
 */
export function toolAnswer(body: unknown, headers: IDataObject | undefined, call: ToolCall, settings: ToolAnswerSettings): IDataObject {
	if (body === undefined) return { success: true };
	const payload = unwrapData(body);
	if (Array.isArray(payload)) {
		const paging: Paging = call.returnAll ? { more: false } : readPaging(body, headers, payload.length, call.cursor?.field);
		return listAnswer(payload, paging, call, settings);
	}
	if (isPlainObject(payload)) return recordAnswer(selectFields(payload, settings) as IDataObject, settings.maxCharacters);
	return { data: payload as IDataObject[keyof IDataObject] };
}

/** A list: `{ note?, shown, total, more, next_cursor?, records }`, within the bound. */
function listAnswer(all: unknown[], paging: Paging, call: ToolCall, settings: ToolAnswerSettings): IDataObject {
	const limited = call.limit !== undefined && !call.returnAll ? all.slice(0, call.limit) : all;
	const records = limited.map((record) => selectFields(record, settings));
	const build = (shown: number): IDataObject => buildList(records, shown, all.length, limited.length, paging, call, settings.maxCharacters);
	if (settings.maxCharacters <= 0) return build(records.length);

	// First guess from the records' own sizes, then exact: the note's length depends on the count.
	const sizes = records.map((record) => JSON.stringify(record).length + 1);
	const room = settings.maxCharacters - modelCharacters([build(0)]);
	let shown = 0;
	let used = 0;
	while (shown < records.length && used + sizes[shown] <= room) used += sizes[shown++];
	let answer = build(shown);
	while (shown > 0 && modelCharacters([answer]) > settings.maxCharacters) answer = build(--shown);
	return answer;
}

function buildList(
	records: unknown[],
	shown: number,
	inAnswer: number,
	afterLimit: number,
	paging: Paging,
	call: ToolCall,
	maxCharacters: number,
): IDataObject {
	const total = paging.total ?? (paging.more ? undefined : inAnswer);
	const leftOut = shown < inAnswer || paging.more;
	const answer: IDataObject = {};
	if (leftOut) answer.note = listNote({ shown, inAnswer, afterLimit, paging, call, maxCharacters, total });
	answer.shown = shown;
	answer.total = total ?? null;
	answer.more = leftOut;
	// A cursor continues after the last record of Flextell's answer: only right when all were shown.
	if (paging.nextCursor !== undefined && shown === inAnswer) answer.next_cursor = paging.nextCursor;
	answer.records = records.slice(0, shown) as IDataObject[];
	return answer;
}

function listNote(o: {
	shown: number;
	inAnswer: number;
	afterLimit: number;
	paging: Paging;
	call: ToolCall;
	maxCharacters: number;
	total: number | undefined;
}): string {
	const shown = o.total !== undefined ? `Showing ${o.shown} of ${o.total} records.` : `Showing ${o.shown} records; Flextell has more (total unknown).`;
	const why: string[] = [];
	if (o.afterLimit < o.inAnswer) why.push(`the tool's Limit of ${o.afterLimit} records`);
	if (o.shown < o.afterLimit) why.push(`the ${o.maxCharacters}-character bound on a tool answer`);
	if (o.shown === o.inAnswer && o.paging.more) why.push("Flextell's paging");
	const base = o.call.path.replace(/[?#].*$/, '').replace(/\/+$/, '');
	const cursor = o.call.cursor ?? DEFAULT_CURSOR;
	const ways = [
		'filter with query parameters (e.g. status=open)',
		`get one record by id (${base}/<id>)`,
	];
	if (o.shown === o.inAnswer && o.paging.nextCursor !== undefined) {
		ways.unshift(`continue with the query parameter ${cursor.parameter}=${o.paging.nextCursor}`);
	} else {
		const per = Math.max(1, o.shown);
		ways.unshift(`page through with the query parameters limit=${per} and ${cursor.parameter}=<next_cursor of each answer>`);
	}
	return `${shown} Left out by ${why.join(' and ')}. To see others: ${ways.join('; or ')}.`;
}

/** One record: itself when it fits; otherwise the top-level fields that fit, and a note naming the rest. */
export function recordAnswer(record: IDataObject, maxCharacters: number): IDataObject {
	if (maxCharacters <= 0 || modelCharacters([record]) <= maxCharacters) return record;
	const kept: IDataObject = {};
	const left: string[] = [];
	const wrap = () => ({
		note: `This record is longer than the ${maxCharacters}-character bound on a tool answer; left out: ${left.join(', ')}. Ask the user to name the fields you need in the tool's option Keep Only Fields (or the ones you do not need in Drop Fields).`,
		fields_left_out: left,
		record: kept,
	});
	for (const key of Object.keys(record)) left.push(key);
	for (const key of Object.keys(record)) {
		kept[key] = record[key];
		left.splice(left.indexOf(key), 1);
		if (modelCharacters([wrap()]) > maxCharacters) {
			delete kept[key];
			left.push(key);
		}
	}
	return wrap();
}

function nonEmptyString(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
