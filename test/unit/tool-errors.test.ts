import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { toolErrorResult, userHint } from '../../nodes/Flextell/tool-errors';
import { describeGateTooLong, describeHttpFailure, describeRetryAfterTooLong } from '../../nodes/shared/transport/errors';
import { parseBody } from '../../nodes/shared/transport/response';

const node: INode = { id: '1', name: 'Flextell', type: 'n8n-nodes-flextell.flextellTool', typeVersion: 1, position: [0, 0], parameters: {} };
const summary = { method: 'GET', urlPath: '/api/v0.0.1/contats', retriesDone: 0 };

/** The error the transport throws for a failure report (as request.ts builds it). */
function apiError(report: ReturnType<typeof describeHttpFailure>): NodeApiError {
	return new NodeApiError(
		node,
		{ error: report.code, message: report.message, statusCode: report.statusCode ?? null },
		{ message: report.message, description: report.description, httpCode: report.statusCode ? String(report.statusCode) : undefined },
	);
}

describe('toolErrorResult', () => {
	it('a 404: status, Flextell code and message, the user hint without the request line, a next step, the request as given', () => {
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

	it('a rate limit longer than Max Wait says when to try again', () => {
		const long = describeRetryAfterTooLong(120_000, 30, '120', summary);
		const { error } = toolErrorResult(apiError(long), { method: 'GET', path: 'contacts', sent: true }, []);
		expect(error.status).toBe(429);
		expect(error.code).toBe('rate_limit_exceeded');
		expect(error.retry_after_seconds).toBe(120);
		const held = describeGateTooLong(45_000, 30, summary);
		expect(toolErrorResult(apiError(held), { method: 'GET', path: 'contacts', sent: true }, []).error.retry_after_seconds).toBe(45);
	});

	it('refused before sending (a path that leaves the API): no status, invalid_request, sent false', () => {
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

	it('userHint keeps a description without a request line whole', () => {
		expect(userHint('Field: JSON Body. Unexpected token')).toBe('Field: JSON Body. Unexpected token');
		expect(userHint('')).toBeUndefined();
	});
});
