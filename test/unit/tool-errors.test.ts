import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toolErrorResult } from '../../nodes/Flextell/tool-errors';
import type { FailureRecord } from '../../nodes/shared/transport/failure';
import { describeGateTooLong, describeHttpFailure, describeNotConnected, describeRetryAfterTooLong } from '../../nodes/shared/transport/errors';
import { failureError } from '../../nodes/shared/transport/node-errors';
import { parseBody } from '../../nodes/shared/transport/body';

const node: INode = { id: '1', name: 'Flextell', type: 'n8n-nodes-flextell.flextellTool', typeVersion: 1, position: [0, 0], parameters: {} };
const summary = { method: 'GET', urlPath: '/api/v0.0.1/contats', retriesDone: 0 };

/** The error the transport throws for a failure record (as request.ts builds it). */
const apiError = (record: FailureRecord) => failureError(node, record, []);

describe('toolErrorResult', () => {
	it('a 404: status, Flextell code and message, the advice as hint, a next step, the request as given', () => {
		const body = parseBody(JSON.stringify({ error: 'not_found', message: 'No such collection: contats' }), 'application/json');
		const result = toolErrorResult(apiError(describeHttpFailure(404, body, summary)), { method: 'GET', path: 'contats', sent: true }, []);
		expect(result).toEqual({
			error: {
				status: 404,
				code: 'not_found',
				message: 'No such collection: contats',
				hint: 'Check the Path and the API version: Flextell has nothing at this address.',
				next_step: expect.stringMatching(/relative to the API version/),
				request: 'GET contats',
				sent: true,
			},
		});
	});

	it.each([
		[422, 'validation_failed', /Fix the field/, /fix the field named/],
		[403, 'insufficient_scope', /scopes/, /permission \(scope\)/],
		[401, 'invalid_token', /reconnect/, /renewed by the user/],
	])('a %i carries its own hint and next step', (status, code, hint, next) => {
		const body = parseBody(JSON.stringify({ error: code, message: 'm' }), 'application/json');
		const { error } = toolErrorResult(apiError(describeHttpFailure(status, body, { ...summary, method: 'POST' })), { method: 'POST', path: 'contacts', sent: true }, []);
		expect(error.status).toBe(status);
		expect(error.code).toBe(code);
		expect(error.hint).toMatch(hint);
		expect(error.next_step).toMatch(next);
	});

	it('a rate limit beyond the wait: 429, rate_limit_exceeded and retry_after_seconds from the record, whatever its wording', () => {
		const long = describeRetryAfterTooLong(120_000, 30, '120', summary);
		const { error } = toolErrorResult(apiError(long), { method: 'GET', path: 'contacts', sent: true }, []);
		expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 120, next_step: expect.stringMatching(/retry_after_seconds/) });
		const held = describeGateTooLong(45_000, { seconds: 30, tool: true }, summary);
		expect(toolErrorResult(apiError(held), { method: 'GET', path: 'contacts', sent: true }, []).error).toMatchObject({ retry_after_seconds: 45, sent: false });
		// The seconds are a field: a message that says another number (or none) changes nothing.
		const reworded = apiError({ ...long, message: 'Slow down', advice: 'wait 7 s' });
		expect(toolErrorResult(reworded, { method: 'GET', path: 'contacts', sent: true }, []).error.retry_after_seconds).toBe(120);
	});

	it('a credential never connected: its own code, the advice to connect it, nothing sent', () => {
		const { error } = toolErrorResult(apiError(describeNotConnected(summary)), { method: 'GET', path: 'contacts', sent: true }, []);
		expect(error).toMatchObject({ status: null, code: 'credential_not_connected', sent: false, hint: expect.stringMatching(/Connect my account/), next_step: expect.stringMatching(/connect the Flextell credential/) });
	});

	it('refused before sending (a path that leaves the API): no status, invalid_request, sent false, the description whole as hint', () => {
		const refused = new NodeOperationError(node, 'The Path must stay below the API version (item 0)', { description: 'Field: Path. Use a relative path such as contacts.' });
		const { error } = toolErrorResult(refused, { method: 'GET', path: '../admin', sent: false }, []);
		expect(error).toMatchObject({ status: null, code: 'invalid_request', sent: false, request: 'GET ../admin', hint: 'Field: Path. Use a relative path such as contacts.' });
		expect(error.next_step).toMatch(/Nothing was sent/);
	});

	it('never carries a token or secret, even if one slipped into a message', () => {
		const secret = 'sk_live_secret_token_123456';
		const leaky = new NodeOperationError(node, `failed with Bearer abc.def and ${secret}`, { description: `refresh ${secret}` });
		const text = JSON.stringify(toolErrorResult(leaky, { method: 'GET', path: `contacts?t=${secret}`, sent: true }, [secret, undefined]));
		expect(text).not.toContain(secret);
		expect(text).not.toContain('abc.def');
		expect(text).toContain('[redacted]');
	});
});
