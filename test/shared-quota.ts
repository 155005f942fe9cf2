/**
 * Several n8n workers spending one Flextell quota, in one process and in virtual time: each worker
 * is its own gate (its own gate key, as a separate process has its own), its items go through the
 * real request path (callFlextell: gate, attempt, retry decision), and every request meets the
 * sandbox's own limiter (sandbox/rate-limit.js: the fixed and sliding windows, the token bucket,
 * the header styles, Retry-After and the early-arrival count), one token for all. Answers take
 * `latencyMs` of virtual time, half on the way there and half back, so requests of one worker
 * can be in flight when another's 429 comes.
 *
 * The log it returns has the same fields as the sandbox's (time of arrival, status, early) and the
 * worker that sent each request, for scripts/lib/rate-limit-log.js.
 */
import type { IHttpRequestOptions, INode } from 'n8n-workflow';

import { callFlextell } from '../nodes/shared/transport/request';
import { rateGates } from '../nodes/shared/transport/rate-gate';
import { takeRateLimitCost, describeRateLimitDetails } from '../nodes/shared/transport/rate-limit-cost';
import type { RequestContext } from '../nodes/shared/transport/types';
import { VirtualClock } from './virtual-clock';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { RateLimiter, tooManyRequests } = require('../sandbox/rate-limit') as {
	RateLimiter: new (config: object) => Limiter;
	tooManyRequests(advice: object): { body: object; headers: Record<string, string> };
};

interface Limiter {
	arrive(token: string, now: number): boolean;
	take(token: string, now: number): { header: string | null; seconds: number; moment: number } | null;
	headers(token: string, now: number): Record<string, string>;
}

export interface SimRequest {
	/** Arrival at the server. */
	time: number;
	worker: string;
	status: number;
	early: boolean;
	headers: Record<string, string>;
	/** When the worker sent it, and when the answer reached the worker. */
	sentAt: number;
	answeredAt: number;
	/** A 429's moment from which a retry is on time (its Retry-After, or the window's end without one). */
	moment?: number;
	/** Which run of the workload (0, 1, …: see `runs`). */
	phase: number;
}

export interface SimWorker {
	name: string;
	/** Executions of this worker: each a list of items, run at `at` (ms after the start) with `concurrency`. */
	executions: Array<{ items: number; concurrency: number; at?: number }>;
}

export interface SimOptions {
	limit: number;
	windowSeconds: number;
	limiter?: 'fixed' | 'sliding' | 'token-bucket';
	headers?: 'none' | 'ietf' | 'draft' | 'x' | 'x-epoch';
	retryAfter?: 'seconds' | 'none' | 'http-date';
	workers: SimWorker[];
	latencyMs?: number;
	/** Each answer's time varies between half and one and a half `latencyMs`, drawn from this seed (0: no variation). */
	seed?: number;
	/** A start that is not on a whole second (the limiter's windows are not aligned to the clock). */
	start?: number;
	/**
	 * The workload runs this many times (default 1), each run `gapMs` after the last one ended, by
	 * the same workers: their gates keep what they learned (n8n's workers kept running).
	 */
	runs?: number;
	gapMs?: number;
	/** Another client (not a worker of ours) spending `perWindow` places of each window, evenly spread, while the workers run. */
	other?: { perWindow: number };
}

export interface SimResult {
	log: SimRequest[];
	/** Per worker: when its last item ended (ms after the start). */
	endedAt: Record<string, number>;
	failed: number;
	wallMs: number;
	/** What each execution's cost said (describeRateLimitDetails), per worker. */
	details: Record<string, string[]>;
	clock: VirtualClock;
}

const NODE = { id: 'sim', name: 'Flextell', type: 'flextell', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
let runs = 0;

export async function simulate(o: SimOptions): Promise<SimResult> {
	const clock = new VirtualClock(o.start ?? Date.parse('2026-04-08T10:00:00.137Z'));
	const limiter = new RateLimiter({
		limit: o.limit,
		windowSeconds: o.windowSeconds,
		limiter: o.limiter ?? 'fixed',
		headers: o.headers ?? 'none',
		retryAfter: o.retryAfter ?? 'seconds',
		suspendAfter: 1e9,
	});
	const latency = o.latencyMs ?? 20;
	const draw = o.seed ? seeded(o.seed) : () => 0.5;
	const token = 'one-token';
	const log: SimRequest[] = [];
	const endedAt: Record<string, number> = {};
	const details: Record<string, string[]> = {};
	let failed = 0;
	let phase = 0;
	const run = ++runs;

	const serve = (worker: string, sentAt: number, took: number) => {
		const now = clock.now();
		const early = limiter.arrive(token, now);
		const advice = limiter.take(token, now);
		const headers = { ...limiter.headers(token, now), ...(advice ? tooManyRequests(advice).headers : {}) };
		const entry: SimRequest = { time: now, worker, status: advice ? 429 : 200, early, headers, sentAt, answeredAt: now + took / 2, phase, ...(advice ? { moment: advice.moment } : {}) };
		log.push(entry);
		return entry;
	};

	const execution = async (worker: SimWorker, items: number, concurrency: number) => {
		const ctx: RequestContext = {
			getNode: () => NODE,
			helpers: {
				async httpRequestWithAuthentication(_type: string, _options: IHttpRequestOptions): Promise<unknown> {
					const took = latency * (0.5 + draw());
					const sentAt = clock.now();
					await clock.sleep(took / 2);
					const { status, headers } = serve(worker.name, sentAt, took);
					await clock.sleep(took / 2);
					return { statusCode: status, headers, body: status === 429 ? '{"error":"rate_limit_exceeded"}' : '{"data":{"id":"x"}}' };
				},
			},
		};
		let next = 0;
		const lane = async () => {
			while (next < items) {
				const itemIndex = next++;
				try {
					await callFlextell(
						ctx,
						{ method: 'GET', url: `https://flextell.test/api/v0.0.1/contacts/${itemIndex}` },
						{ itemIndex, gateKey: `sim-${run} ${worker.name}`, timeoutMs: 60_000, maxRetries: 50, maxWaitSeconds: 300, clock },
					);
				} catch {
					failed++;
				}
			}
		};
		await Promise.all(Array.from({ length: concurrency }, lane));
		const text = describeRateLimitDetails(takeRateLimitCost(ctx));
		if (text) (details[worker.name] ??= []).push(text);
	};

	const once = async () => {
		const from = clock.now();
		let done = false;
		const other = async () => {
			if (!o.other || o.other.perWindow <= 0) return;
			const every = (o.windowSeconds * 1000) / o.other.perWindow;
			while (!done) {
				serve('other client', clock.now(), 0);
				await clock.sleep(every);
			}
		};
		void other();
		const all = o.workers.flatMap((worker) =>
			worker.executions.map(async (e) => {
				if (e.at) await clock.sleep(e.at);
				await execution(worker, e.items, e.concurrency);
				endedAt[worker.name] = Math.max(endedAt[worker.name] ?? 0, clock.now() - from);
			}),
		);
		await Promise.all(all);
		done = true;
	};
	await clock.run(
		(async () => {
			for (phase = 0; phase < (o.runs ?? 1); phase++) {
				if (phase > 0) await clock.sleep(o.gapMs ?? o.windowSeconds * 1000);
				await once();
			}
		})(),
	);
	rateGates.clear();
	const wallMs = log.length ? log[log.length - 1].time - log[0].time : 0;
	return { log, endedAt, failed, wallMs, details, clock };
}

/** A small seeded random source (mulberry32), so a run with variation is the same run every time. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
