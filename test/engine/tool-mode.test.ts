/**
 * The Flextell node in tool mode, inside n8n's execution engine: run as the type n8n builds for AI
 * Agents (`<package>.flextellTool`, its description named so, which shows the `@tool` options), it
 * outputs one item the model reads, a failure included, instead of throwing.
 */

import { runNode, TOOL_TYPE } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';



const sb = useSandbox({ maxPageSize: 1000 });

it('a 404 is one output item holding status, code, message, hint and the request; the run does not fail; no token in it', async () => {
	const { credentials, tokens } = connectedCredential(sb);
	const { items, error, run } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { method: 'GET', path: 'contacts/obj_nope' } });
	expect(error).toBeUndefined();
	expect(run.data.resultData.runData.Flextell[0].executionStatus).toBe('success');
	expect(items.map((i) => i.json)).toEqual([
		{
			error: {
				status: 404,
				code: 'not_found',
				message: "No contacts record with id 'obj_nope'.",
				hint: expect.stringMatching(/^Check the Path/),
				next_step: expect.any(String),
				request: 'GET contacts/obj_nope',
				sent: true,
			},
		},
	]);
	expect(JSON.stringify(items)).not.toContain(tokens.access_token);
});

it('a list is one item, bounded by Max Characters at whole records, with the note; Keep Only Fields applies first', async () => {
	sb.seed('contacts', 300);
	const { credentials } = connectedCredential(sb);
	const { items, error } = await runNode({
		credentials,
		nodeType: TOOL_TYPE,
		parameters: { method: 'GET', path: 'contacts?limit=300', limit: 200, toolOptions: { maxCharacters: 2000, keepFields: 'name' } },
	});
	expect(error).toBeUndefined();
	expect(items).toHaveLength(1);
	const answer = items[0].json as { shown: number; total: number; note: string; records: Array<Record<string, unknown>> };
	expect(JSON.stringify([answer]).length).toBeLessThanOrEqual(2000);
	expect(answer.total).toBe(300);
	expect(answer.records[0]).toEqual({ name: 'Record 1' });
	expect(answer.records).toHaveLength(answer.shown);
	expect(answer.note).toMatch(new RegExp(`^Showing ${answer.shown} of 300 records\\. Left out by the tool's Limit of 200 records and the 2000-character bound`));
});

it('Return All in tool mode: every page, then bounded like any list (no Limit)', async () => {
	sb.seed('contacts', 250);
	const { credentials } = connectedCredential(sb);
	const { items } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { method: 'GET', path: 'contacts', returnAll: true, toolOptions: { maxCharacters: 0 } } });
	expect(items[0].json).toMatchObject({ shown: 250, total: 250, more: false });
	expect(apiRequests(sb).filter((e: { method: string }) => e.method === 'GET')).toHaveLength(3);
});

it('a rate limit longer than Max Wait: an error result saying when to try again, nothing retried early', async () => {
	sb.injectFaults([{ kind: 'rate_limit', retryAfter: 120 }]);
	const { credentials } = connectedCredential(sb);
	const { items, error } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { method: 'GET', path: 'contacts', options: { maxWaitSeconds: 30 } } });
	expect(error).toBeUndefined();
	expect(items[0].json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 120, request: 'GET contacts' });
	expect(apiRequests(sb)).toHaveLength(1);
});

it('a path that leaves the API is refused before sending: sent false, nothing reaches Flextell', async () => {
	const { credentials } = connectedCredential(sb);
	const { items } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { method: 'GET', path: '../../oauth/token' } });
	expect(items[0].json.error).toMatchObject({ status: null, code: 'invalid_request', sent: false, request: 'GET ../../oauth/token' });
	expect(apiRequests(sb)).toHaveLength(0);
});

it('as the plain node nothing changes: the same 404 fails the run', async () => {
	const { credentials } = connectedCredential(sb);
	const { items, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts/obj_nope' } });
	expect(items).toEqual([]);
	expect(error?.message).toBe("No contacts record with id 'obj_nope'.");
});

it('an answer that does not come within Max Call Time ends the call as a timeout result, not a held request (real time)', async () => {
	sb.injectFaults([{ kind: 'slow', ms: 3000 }]);
	const { credentials } = connectedCredential(sb);
	const started = Date.now();
	const { items, error } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { method: 'GET', path: 'contacts', toolOptions: { maxCallSeconds: 1 } } });
	expect(error).toBeUndefined();
	expect(Date.now() - started).toBeLessThan(2500);
	expect(items[0].json.error).toMatchObject({
		status: null,
		code: 'timeout',
		message: expect.stringMatching(/^The Flextell call could not finish within the 1 s a tool call may take \(waiting for the answer/),
		sent: true,
	});
});
