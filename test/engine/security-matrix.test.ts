/**
 * The fault matrix, security half: inputs that try to send the request (and its bearer token)
 * somewhere else, or to smuggle something into it. Each is refused before anything is sent, with
 * an error naming the item and the field, or is sent harmlessly encoded; and a server that is not
 * the trusted Flextell host never gets a request.
 */
import { resolveApiPrefix } from '../../nodes/shared/transport/url';
import { runNode } from './harness';
import { apiRequests, connectedCredential, items, useSandbox } from './sandbox-fixture';
import type { Sandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

const GET = { method: 'GET', path: 'contacts' };

function itemIndexOf(error: unknown): number | undefined {
	return (error as { context?: { itemIndex?: number } })?.context?.itemIndex;
}

describe('smuggling into the request', () => {
	it.each([
		['a header value with CR/LF', { headers: { header: [{ name: 'X-Note', value: 'a\r\nX-Injected: 1' }] } }, /header "X-Note" contains a line break/],
		['a header value with a bare LF', { headers: { header: [{ name: 'X-Note', value: 'a\nX-Injected: 1' }] } }, /line break/],
		['a header name with CR/LF', { headers: { header: [{ name: 'X-Note\r\nX-Injected', value: '1' }] } }, /header name [\s\S]* is not valid/],
	])('refuses %s before sending', async (_what, options, message) => {
		const { credentials } = connectedCredential(sb);
		const { error } = await runNode({ credentials, parameters: { ...GET, options }, items: items({}, {}) });
		expect(error?.message).toMatch(message);
		expect(String(error?.description)).toMatch(/Field: Options › Headers/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('a query value or name with CR/LF is sent percent-encoded, never as a line break', async () => {
		const { credentials } = connectedCredential(sb);
		const { error } = await runNode({
			credentials,
			parameters: {
				...GET,
				queryParameters: { parameters: [{ name: 'q', value: 'a\r\nX-Injected: 1' }, { name: 'n\r\nX-Other: 2', value: 'v' }] },
			},
		});
		expect(error).toBeUndefined();
		const [request] = apiRequests(sb);
		expect(request.query.q).toBe('a\r\nX-Injected: 1');
		expect(request.query['n\r\nX-Other: 2']).toBe('v');
		expect(request.headers['x-injected']).toBeUndefined();
		expect(request.headers['x-other']).toBeUndefined();
	});

	it.each([['Authorization'], ['authorization'], ['Host'], ['HOST'], ['Cookie'], ['cookie'], ['Proxy-Authorization'], [' Authorization ']])(
		'refuses the header %p in Options › Headers',
		async (name) => {
			const { credentials, tokens } = connectedCredential(sb);
			const { error } = await runNode({
				credentials,
				parameters: { ...GET, options: { headers: { header: [{ name, value: 'Bearer stolen; session=1' }] } } },
			});
			expect(error?.message).toMatch(/cannot be set in the node/);
			expect(String(error?.description)).toMatch(/Field: Options › Headers/);
			expect(apiRequests(sb)).toHaveLength(0);
			expect(JSON.stringify(error)).not.toContain(tokens.access_token);
		},
	);
});

describe('the credential Base URL', () => {
	it.each([
		['user:password@', (u: string) => u.replace('https://', 'https://user:password@')],
		['a user only', (u: string) => u.replace('https://', 'https://user@')],
		['a query', (u: string) => `${u}?x=1`],
		['an empty query', (u: string) => `${u}?`],
		['a fragment', (u: string) => `${u}#frag`],
		['plain http', (u: string) => u.replace('https:', 'http:')],
	])('with %s is refused before anything is sent', async (_what, change) => {
		const { credentials } = connectedCredential(sb, { baseUrl: change(sb.baseUrl) });
		const { error } = await runNode({ credentials, parameters: GET, items: items({}, {}) });
		expect(error?.message).toMatch(/base URL/i);
		expect(String(error?.description)).toMatch(/Field: Base URL \(in the credential\)/);
		expect(itemIndexOf(error)).toBe(0);
		expect(sb.log).toHaveLength(0);
	});

	it('an IDN host is used as its punycode name, and a name that cannot resolve gives a clear error', async () => {
		expect(resolveApiPrefix('https://Bücher.example/api', 'v0.0.1').origin).toBe('https://xn--bcher-kva.example');
		// A 64-character label is not a valid DNS name: the lookup fails inside this machine, no
		// query goes to a name server (a plain `.invalid` name would still be asked about).
		const host = `bücher-${'a'.repeat(60)}.invalid`;
		const { credentials } = connectedCredential(sb, { baseUrl: `https://${host}/api` });
		const { error } = await runNode({ credentials, parameters: GET, items: items({}, {}) });
		expect(error?.message).toBe('Could not reach Flextell: the host name was not found');
		expect(String(error?.description)).toMatch(/Check the Base URL/);
		expect(String(error?.description)).toMatch(/\(ENOTFOUND\)/);
		expect(itemIndexOf(error)).toBe(0);
		expect(sb.log).toHaveLength(0);
	}, 20_000);

	it('a server whose TLS certificate is not trusted gets no request through: a clear error, no bypass', async () => {
		// A second server with its own self-signed certificate, which this process does not trust.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { startSandbox } = require('../../sandbox');
		const untrusted: Sandbox = await startSandbox({ port: 0, quiet: true, lifetimeSeconds: 60 });
		try {
			const { credentials } = connectedCredential(untrusted);
			const { error } = await runNode({ credentials, parameters: GET, items: items({}, {}) });
			expect(error?.message).toBe("Could not reach Flextell: its TLS certificate is not trusted");
			expect(String(error?.description)).toMatch(/certificate/);
			expect(itemIndexOf(error)).toBe(0);
			// The TLS handshake failed, so no HTTP request (and no token) reached the server.
			expect(untrusted.log).toHaveLength(0);
		} finally {
			await untrusted.close();
		}
	}, 20_000);
});

describe('the Path', () => {
	it.each([
		['contacts%2Fobj_1'],
		['contacts%2fobj_1'],
		['contacts%5Cobj_1'],
		['contacts%5cobj_1'],
		['%2E%2E/oauth/token'],
		['%2e%2e/oauth/token'],
		['contacts/%2E%2e/%2e%2E/oauth'],
		['contacts/.%2E/x'],
		['contacts/%2E./x'],
		['contacts/%2E/x'],
	])('%p is refused before anything is sent', async (path) => {
		const { credentials } = connectedCredential(sb);
		const { error } = await runNode({ credentials, parameters: { method: 'GET', path }, items: items({}, {}) });
		expect(error?.message).toMatch(/^The path .*(contains|would leave)/);
		expect(String(error?.description)).toMatch(/Field: Path/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('a %2E inside a name, or a doubly encoded one, is sent as it is: the server decodes it once, to no "." segment', async () => {
		const { credentials } = connectedCredential(sb);
		await runNode({ credentials, parameters: { method: 'GET', path: 'contacts/obj%2E1' } });
		await runNode({ credentials, parameters: { method: 'GET', path: 'contacts/%252E%252E/x' } });
		expect(apiRequests(sb).map((r) => r.path)).toEqual(['/api/v0.0.1/contacts/obj%2E1', '/api/v0.0.1/contacts/%252E%252E/x']);
	});
});

describe('next-page links', () => {
	const firstPage = (next: string) => ({
		kind: 'status',
		status: 200,
		body: { data: [{ id: 'obj_1', name: 'Ada' }], next },
	});
	const listByLink = { method: 'GET', path: 'contacts', returnAll: true, options: { pagination: 'link' } };

	it.each([
		['another scheme', (o: string) => `${o.replace('https:', 'http:')}/api/v0.0.1/contacts?page=2`],
		['another port', (o: string) => `${o.replace(/:(\d+)$/, (_m, p) => `:${Number(p) + 1}`)}/api/v0.0.1/contacts?page=2`],
		['another host', () => 'https://evil.example/api/v0.0.1/contacts?page=2'],
		['a trailing dot on the host', (o: string) => `${o.replace('localhost', 'localhost.')}/api/v0.0.1/contacts?page=2`],
		['user info', (o: string) => `${o.replace('https://', 'https://user:pw@')}/api/v0.0.1/contacts?page=2`],
		['a protocol-relative URL', () => '//evil.example/api/v0.0.1/contacts'],
		['a climb out of the version', (o: string) => `${o}/api/v0.0.1/../../oauth/token`],
		['an encoded slash', (o: string) => `${o}/api/v0.0.1/contacts%2F..%2F..%2Foauth`],
	])('a link to %s is not followed: the error names the item, and only the first page was requested', async (_what, link) => {
		const { credentials } = connectedCredential(sb, { baseUrl: sb.baseUrl.replace('127.0.0.1', 'localhost') });
		const origin = sb.url.replace('127.0.0.1', 'localhost');
		sb.injectFaults([firstPage(link(origin))]);
		const { error } = await runNode({ credentials, parameters: listByLink, items: items({}) });
		expect(error?.message).toMatch(/next-page link.*\(item 0\)$/);
		expect(String(error?.description)).toMatch(/Field: pagination link/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('a link that only changes the case of the host is the same origin and is followed', async () => {
		const { credentials } = connectedCredential(sb, { baseUrl: sb.baseUrl.replace('127.0.0.1', 'localhost') });
		const origin = sb.url.replace('127.0.0.1', 'LocalHost');
		sb.seed('contacts', [{ name: 'Grace' }]);
		sb.injectFaults([firstPage(`${origin}/api/v0.0.1/contacts?limit=5`)]);
		const { items: out, error } = await runNode({ credentials, parameters: listByLink });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json.name)).toEqual(['Ada', 'Grace']);
		const requests = apiRequests(sb);
		expect(requests).toHaveLength(2);
		expect(requests[1].headers.host).toBe(`localhost:${new URL(sb.url).port}`);
	});
});
