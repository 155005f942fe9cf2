/**
 * A sandbox per test file, on the certificate `npm test` made and told Node to trust
 * (NODE_EXTRA_CA_CERTS), plus a credential connected to it. The sandbox reads the node's clock:
 * in a test file on virtual time (virtual-time.ts), both sides share it.
 */
import { systemClock } from '../../nodes/shared/transport/clock';
import { rateGates } from '../../nodes/shared/transport/rate-gate';
import { flextellCredential, MemoryCredentialsHelper } from './harness';
import * as sandboxLib from '../../scripts/lib/sandbox';

export interface Sandbox {
	url: string;
	baseUrl: string;
	tokenUrl: string;
	clientId: string;
	clientSecret: string;
	log: Array<Record<string, any>>;
	clearLog(): void;
	issueToken(o?: { scope?: string; ttlSeconds?: number }): { access_token: string; refresh_token: string };
	expireAccessToken(token: string): void;
	revokeRefreshToken(token: string): void;
	seed(collection: string, records: object[] | number): Array<Record<string, any>>;
	injectFaults(faults: object[]): void;
	configure(config: object): void;
	reset(): void;
	close(): Promise<void>;
}

export async function openSandbox(config: object = {}): Promise<Sandbox> {
	if (!process.env.FLEXTELL_SANDBOX_CERT_DIR) {
		throw new Error('Run the tests with `npm test`: it makes the sandbox certificate and trusts it.');
	}
	return (await sandboxLib.openSandbox({ lifetimeSeconds: 600, clock: systemClock, ...config })) as unknown as Sandbox;
}

/** A fresh credential store holding one Flextell credential connected to the sandbox. */
export function connectedCredential(
	sb: Sandbox,
	options: { id?: string; scope?: string; authentication?: 'header' | 'body'; baseUrl?: string } = {},
) {
	const credentials = new MemoryCredentialsHelper();
	const tokens = sb.issueToken({ scope: options.scope ?? 'read write' });
	credentials.set(
		options.id ?? 'cred-1',
		flextellCredential({
			baseUrl: options.baseUrl ?? sb.baseUrl,
			tokenUrl: sb.tokenUrl,
			clientId: sb.clientId,
			clientSecret: sb.clientSecret,
			tokens,
			authentication: options.authentication,
		}),
	);
	return { credentials, tokens };
}

export function apiRequests(sb: Sandbox) {
	return sandboxLib.apiRequests(sb);
}

export function freshGates() {
	rateGates.clear();
}

/**
 * One sandbox for the calling test file: started before its tests, reset (store, faults, log,
 * rate-limit state, configuration, and the node's 429 gates) before each test, closed after. The returned
 * object stands for the live sandbox.
 */
export function useSandbox(config: object = {}): Sandbox {
	// What each test starts from; a test that configures the sandbox changes only its own run.
	const baseline = { rateLimit: null, pagination: 'cursor', requiredFields: { contacts: ['name'] }, ...config };
	let live: Sandbox | undefined;
	beforeAll(async () => {
		live = await openSandbox(baseline);
	});
	afterAll(async () => await live?.close());
	beforeEach(() => {
		live?.reset();
		live?.configure(baseline);
		rateGates.clear();
	});
	return new Proxy({} as Sandbox, {
		get(_target, key) {
			if (!live) throw new Error('The sandbox starts in beforeAll; use it inside tests and hooks.');
			const value = (live as unknown as Record<PropertyKey, unknown>)[key];
			return typeof value === 'function' ? value.bind(live) : value;
		},
	});
}

/** Input items from plain objects. */
export function items(...jsons: object[]) {
	return jsons.map((json) => ({ json: json as Record<string, never> }));
}
