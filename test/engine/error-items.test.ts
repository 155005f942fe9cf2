/**
 * The shape of a continue-on-fail item. n8n treats an item whose json holds only `error` as an
 * error item: with On Error "Continue (using error output)" it goes to the error output.
 */
import { runNode } from './harness';
import { connectedCredential, items, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

it("a failed item's json is one key, error, holding Flextell's message, code, status and the advice; no token in it", async () => {
	const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
	const { credentials, tokens } = connectedCredential(sb);
	const { items: out, error } = await runNode({
		credentials,
		continueOnFail: true,
		parameters: { method: 'GET', path: '=contacts/{{ $json.id }}' },
		items: items({ id: ada.id }, { id: 'obj_nope' }),
	});
	expect(error).toBeUndefined();
	expect(out[0].json.name).toBe('Ada');
	expect(Object.keys(out[1].json)).toEqual(['error']);
	expect(out[1].json.error).toEqual({
		message: "No contacts record with id 'obj_nope'.",
		code: 'not_found',
		statusCode: 404,
		description: expect.stringMatching(/^Check the Path and the API version.*GET \/api\/v0\.0\.1\/contacts\/obj_nope → HTTP 404$/),
	});
	expect(JSON.stringify(out)).not.toContain(tokens.access_token);
});
