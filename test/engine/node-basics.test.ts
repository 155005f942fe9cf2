import { runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

describe('the Flextell node in n8n\'s engine, against the sandbox', () => {
	it('GET a list: one item per record, each paired with its input item', async () => {
		sb.seed('contacts', [{ name: 'Ada' }, { name: 'Grace' }]);
		const { credentials, tokens } = connectedCredential(sb);
		const { items, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.name)).toEqual(['Ada', 'Grace']);
		expect(items.every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);

		const [request] = apiRequests(sb);
		expect(request.method).toBe('GET');
		expect(request.path).toBe('/api/v0.0.1/contacts');
		expect(request.headers.authorization).toBe(`Bearer ${tokens.access_token}`);
	});
});
