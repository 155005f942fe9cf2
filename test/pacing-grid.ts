/**
 * The pacing grid (issue 23): the package's own gate and request path (test/shared-quota.ts: one
 * gate per worker, callFlextell, virtual time) against the sandbox's own limiters, over the shapes
 * users meet — 1 to 50 workers, windows of 1 to 60 s, concurrency 1 to 16, workers that start a
 * little apart, unequal loads, workers that keep what they learned from an earlier run, another
 * client spending part of the quota — each cell judged against the goals of docs/pacing.md.
 *
 * `npm run simulate` (bench/simulate.js) runs the full grid and prints it; test/unit/pacing-grid.test.ts
 * runs a few cells inside `npm test` and asserts the goals there.
 */
import type { SimOptions, SimRequest } from './shared-quota';
import { simulate } from './shared-quota';

/** The simulated time per answer, on average (each varies between half and one and a half of it). */
export const LATENCY_MS = 60;

export type LimiterKind = 'fixed' | 'sliding' | 'token-bucket';
export type HeaderStyle = 'none' | 'ietf' | 'x';

export interface Cell {
	/**
	 * queue: the real queue bench's shape (bench/queue.js): 2 workers, 2 executions of 30 each, 4/3/2 windows' work.
	 * process: the one-process pacing bench's shape (bench/pacing.js): one worker, 120 GETs at 30 per 3 s.
	 * long: workers that run on — 20 windows' work, where the probes space out.
	 */
	block: 'workers' | 'limiters' | 'scenarios' | 'queue' | 'process' | 'long';
	workers: number;
	windowS: number;
	concurrency: number;
	/** The last worker starts this many ms after the first; the others evenly between. */
	skewMs: number;
	limiter: LimiterKind;
	headers: HeaderStyle;
	/** unequal: the first worker has half the items of the others (it is done at about half time). */
	load: 'even' | 'unequal';
	/** The workload runs twice (a window apart) and the second run is measured: the workers keep what they learned. */
	warm: boolean;
	/** Another client spends this many places of each window. */
	otherPerWindow: number;
}

export interface CellResult {
	cell: Cell;
	limit: number;
	items: number;
	/** The fixed-window least for these items (see docs/pacing.md), ms. */
	leastMs: number;
	/** First to last arrival of the workers' requests at the server (the measured run), ms. */
	wallMs: number;
	ratio: number;
	/** 429s of the workers, per worker, in the measured run. */
	r429PerWorker: number;
	/**
	 * 429 rounds per worker per three windows of the run, the mean over the workers. A round: a 429,
	 * with the worker's other 429s for requests already on their way when its answer came.
	 */
	r429Per3Windows: number;
	/** 429 rounds per worker in the run (the mean). */
	roundsPerWorker: number;
	/**
	 * The time the workers' own pace needs for the last window's requests (each answer takes the
	 * simulated 60 ms on average): the least cannot be met by less than this, ms.
	 */
	ownPaceMs: number;
	/** Requests a worker sent after its own 429's answer and before that 429's moment. */
	ownEarly: number;
	/**
	 * The most requests one other worker made arrive during one worker's hold (a 429 to its moment),
	 * of those it sent once a 429 had reached it; and of those it sent before (the first round, when
	 * no worker knew anything yet: bounded by its concurrency).
	 */
	otherPerHold: number;
	otherPerHoldFirst: number;
	/**
	 * Of `otherPerHold`, the most that the other worker sent before a moment its own 429 in the hold
	 * had named (0 where no worker sends early). The others came after the window had reopened — in
	 * the second by which Retry-After (whole seconds, rounded up) outlasts it — and got through; or
	 * were on their way before the other worker's own 429 told it (its lanes bound them:
	 * `otherInFlight`, the most of those); or went once its own Retry-After had passed and met a
	 * window the other workers had spent again.
	 */
	otherPerHoldLimited: number;
	otherInFlight: number;
	/** 429s of a worker for requests sent after an answer with rate-limit headers reached it. */
	r429AfterHeaders: number;
	failed: number;
	/** The goals this cell misses (empty: inside every goal). */
	misses: string[];
}

/**
 * The time per answer a cell simulates: the one-process bench's is n8n's own (its run without a
 * limit took 1.50 s for 120 GETs at concurrency 1: 12.5 ms each), the others' LATENCY_MS.
 */
export function latencyOf(cell: Cell): number {
	return cell.block === 'process' ? 12.5 : LATENCY_MS;
}

/** The limit per window for each window length of the grid. */
export function limitFor(windowS: number, block: Cell['block'] = 'workers'): number {
	if (block === 'queue') return QUEUE_LIMITS[windowS];
	if (block === 'process') return 30;
	return windowS === 1 ? 10 : windowS === 5 ? 50 : windowS === 20 ? 60 : 120;
}

/** The long block's work, in windows. */
const LONG_WINDOWS = 20;

/** The real queue bench's windows (bench/queue.js): 120 requests are 4, 3 and 2 windows' worth. */
const QUEUE_LIMITS: Record<number, number> = { 5: 30, 10: 40, 20: 60 };
/** …its executions: 4 of 30 GETs, 2 per worker, each at the cell's concurrency. */
const QUEUE_EXECUTIONS = [30, 30];

/**
 * The fixed-window least: the shortest time, first arrival to last, in which `items` requests can
 * pass a limiter allowing `limit` per `windowMs` (less `other` of each window spent by another
 * client). A fixed (or sliding) window lets `limit` in at once and the next `limit` a window later:
 * (⌈items ÷ limit⌉ − 1) windows. A token bucket lets its `limit` in at once, then one per refill.
 */
export function fixedWindowLeast(items: number, limit: number, windowMs: number, limiter: LimiterKind = 'fixed', other = 0): number {
	if (limiter === 'token-bucket') return (Math.max(0, items - limit) * windowMs) / limit;
	const per = Math.max(1, limit - other);
	return (Math.ceil(items / per) - 1) * windowMs;
}

export function itemsPerWorker(cell: Cell, limit: number): number[] {
	if (cell.block === 'queue') return Array.from({ length: cell.workers }, () => QUEUE_EXECUTIONS.reduce((a, b) => a + b, 0));
	const total = Math.max((cell.block === 'long' ? LONG_WINDOWS : 4) * limit, 4 * cell.workers);
	const even = Math.ceil(total / cell.workers);
	if (cell.load === 'even' || cell.workers === 1) return Array.from({ length: cell.workers }, () => even);
	const half = Math.ceil(even / 2);
	const rest = Math.ceil((even - half) / (cell.workers - 1));
	return Array.from({ length: cell.workers }, (_, i) => (i === 0 ? half : even + rest));
}

export async function runCell(cell: Cell, seed = 1): Promise<CellResult> {
	const limit = limitFor(cell.windowS, cell.block);
	const windowMs = cell.windowS * 1000;
	const loads = itemsPerWorker(cell, limit);
	const workers: SimOptions['workers'] = loads.map((items, i) => {
		const at = cell.workers > 1 ? Math.round((cell.skewMs * i) / (cell.workers - 1)) : 0;
		const executions = cell.block === 'queue' ? QUEUE_EXECUTIONS : [items];
		return { name: `w${i + 1}`, executions: executions.map((n) => ({ items: n, concurrency: cell.concurrency, at })) };
	});
	// Warm: the workload ran before, a window apart, by the same workers (the last run is measured);
	// the queue bench's shape runs it four times, as the real bench runs six shapes per credential in a row.
	const runs = cell.warm ? (cell.block === 'queue' ? 4 : 2) : 1;
	const sim = await simulate({
		limit,
		windowSeconds: cell.windowS,
		limiter: cell.limiter,
		headers: cell.headers,
		workers,
		latencyMs: latencyOf(cell),
		seed,
		runs,
		gapMs: windowMs,
		...(cell.otherPerWindow ? { other: { perWindow: cell.otherPerWindow } } : {}),
	});
	const log = sim.log.filter((r) => r.phase === runs - 1 && r.worker !== 'other client');
	const items = loads.reduce((a, b) => a + b, 0);
	const leastMs = fixedWindowLeast(items, limit, windowMs, cell.limiter, cell.otherPerWindow);
	const wallMs = log.length ? log[log.length - 1].time - log[0].time : 0;
	const m = measure(log, cell.workers, windowMs, wallMs, sim.log);
	const lastItems = items - Math.floor((leastMs / windowMs) * Math.max(1, limit - cell.otherPerWindow));
	const lanes = cell.concurrency * cell.workers * (cell.block === 'queue' ? QUEUE_EXECUTIONS.length : 1);
	const ownPaceMs = cell.limiter === 'token-bucket' ? 0 : Math.ceil(Math.max(0, lastItems) / lanes) * latencyOf(cell);
	const result: CellResult = {
		cell,
		limit,
		items,
		leastMs,
		wallMs,
		ratio: leastMs > 0 ? wallMs / leastMs : NaN,
		...m,
		ownPaceMs,
		failed: sim.failed,
		misses: [],
	};
	result.misses = missedGoals(result);
	return result;
}

function measure(log: SimRequest[], workers: number, windowMs: number, wallMs: number, all: SimRequest[]) {
	const byWorker = new Map<string, SimRequest[]>();
	for (const r of log) {
		const list = byWorker.get(r.worker) ?? [];
		list.push(r);
		byWorker.set(r.worker, list);
	}
	let r429 = 0;
	let rounds = 0;
	let per3 = 0;
	let ownEarly = 0;
	let r429AfterHeaders = 0;
	for (const [, list] of byWorker) {
		const limited = list.filter((r) => r.status === 429);
		r429 += limited.length;
		let mine = 0;
		let lastAnswer = -Infinity;
		for (const q of limited) {
			if (q.sentAt >= lastAnswer) mine++;
			lastAnswer = Math.max(lastAnswer, q.answeredAt);
		}
		rounds += mine;
		per3 += mine / Math.max(1, wallMs / (3 * windowMs));
		for (const r of list) {
			if (limited.some((q) => q.answeredAt <= r.sentAt && r.time < (q.moment ?? 0))) ownEarly++;
		}
		const firstHeaders = list.filter((r) => Object.keys(r.headers).some((h) => /ratelimit/i.test(h))).reduce((a, r) => Math.min(a, r.answeredAt), Infinity);
		r429AfterHeaders += limited.filter((r) => r.sentAt > firstHeaders).length;
	}
	// A worker's requests sent before any 429 reached it (in this run or, warm, the one before): nobody had told it anything yet.
	const firstToldAt = new Map<string, number>();
	for (const w of byWorker.keys()) firstToldAt.set(w, Math.min(Infinity, ...all.filter((r) => r.worker === w && r.status === 429).map((r) => r.answeredAt)));
	let otherPerHold = 0;
	let otherPerHoldFirst = 0;
	let otherPerHoldLimited = 0;
	let otherInFlight = 0;
	const add = (counts: Map<string, number>, worker: string) => counts.set(worker, (counts.get(worker) ?? 0) + 1);
	const limitedOf = new Map<string, SimRequest[]>();
	for (const r of log) if (r.status === 429) limitedOf.set(r.worker, [...(limitedOf.get(r.worker) ?? []), r]);
	for (const q of log) {
		if (q.status !== 429 || q.moment === undefined) continue;
		const counts = new Map<string, number>();
		const first = new Map<string, number>();
		const limited = new Map<string, number>();
		const inFlight = new Map<string, number>();
		for (const r of log) {
			if (r.worker === q.worker || r.time <= q.time || r.time >= q.moment) continue;
			const told = r.sentAt >= (firstToldAt.get(r.worker) ?? Infinity);
			add(told ? counts : first, r.worker);
			if (!told || r.status !== 429) continue;
			// Its own 429s in this hold: the first to reach that worker, and the moments they named.
			const own = (limitedOf.get(r.worker) ?? []).filter((o) => o.time > q.time && o.time < q.moment! && o.answeredAt <= r.sentAt);
			if (own.length === 0) add(inFlight, r.worker);
			else if (own.some((o) => r.time < (o.moment ?? 0))) add(limited, r.worker);
		}
		for (const n of counts.values()) otherPerHold = Math.max(otherPerHold, n);
		for (const n of first.values()) otherPerHoldFirst = Math.max(otherPerHoldFirst, n);
		for (const n of limited.values()) otherPerHoldLimited = Math.max(otherPerHoldLimited, n);
		for (const n of inFlight.values()) otherInFlight = Math.max(otherInFlight, n);
	}
	return {
		otherPerHoldFirst, r429PerWorker: r429 / workers, roundsPerWorker: rounds / workers, r429Per3Windows: per3 / workers, ownEarly, otherPerHold, otherPerHoldLimited, otherInFlight, r429AfterHeaders };
}

/** The goals of docs/pacing.md a cell misses. */
export function missedGoals(r: CellResult): string[] {
	const misses: string[] = [];
	const c = r.cell;
	if (r.failed) misses.push(`${r.failed} failed`);
	if (c.headers === 'none') {
		const bound = c.workers === 1 ? 1.1 : 1.2;
		if (r.ratio > bound) misses.push(`wall > ${bound} × least${paced(r, bound)}`);
		if (r.ownEarly > 0) misses.push('own early');
		if (r.otherPerHold > 1) misses.push(`> 1 other per hold${otherBound(r)}`);
		if (r.r429Per3Windows > 1) misses.push(`> 1 × 429 round per 3 windows (${r.roundsPerWorker.toFixed(1)} per run: the first + probes)`);
	} else {
		const lanes = c.workers * c.concurrency;
		// Bound: a reading is about a round trip old when the request sent on it arrives; with this many
		// of the workers' requests on their way the others can take half a window or more in that time.
		const crowd = lanes > r.limit / 2 ? ` (bound: ${lanes} requests of the workers on their way at once, ${r.limit} places a window)` : '';
		if (r.r429AfterHeaders > 0) misses.push(`429 after headers${crowd}`);
		// Bound: the last places of a window are kept for the other workers' requests that may be on
		// their way; the items fill the windows exactly, so one place left costs a window more.
		const more = Math.floor((r.wallMs - r.leastMs) / (c.windowS * 1000));
		const kept = c.workers > 1 && more > 0 ? ` (bound: ${more === 1 ? 'a window' : `${more} windows`} more — places kept for the other workers left unused)` : '';
		if (r.ratio > 1.1) misses.push(`wall > 1.1 × least${paced(r, 1.1) || kept || (crowd && r.r429AfterHeaders > 0 ? ' (bound: the holds of those 429s)' : '')}`);
	}
	return misses;
}

/**
 * Names what bounds another worker's requests in a hold when each of them either got through (it
 * came after the window reopened: Retry-After's whole seconds outlast it by up to a second) or was
 * on its way before that worker's own 429 told it (at most its concurrency); '' when some other
 * request was neither.
 */
function otherBound(r: CellResult): string {
	const lanes = r.cell.concurrency * (r.cell.block === 'queue' ? QUEUE_EXECUTIONS.length : 1);
	if (r.otherPerHoldLimited > 0 || r.otherInFlight > lanes) return '';
	return r.otherInFlight > 1
		? ` (bound: on their way before its own 429 came, ≤ its ${lanes} lanes; the rest after the window reopened, in the second Retry-After rounds up, or after its own Retry-After)`
		: " (bound: they came after the window reopened, in the second Retry-After rounds up, or after their own Retry-After)";
}

/**
 * Names what bounds a wall over the goal when it is within `bound` × (least + the workers' own pace
 * for the last window + one second per 429 round: Retry-After counts whole seconds, rounded up, so
 * each hold ends up to a second after the window did; with headers, also one second per window
 * boundary: the reset counts whole seconds too, and the wait for it ends up to a second late).
 */
function paced(r: CellResult, bound: number): string {
	// A token bucket with headers: its last hold (a token comes every window ÷ limit, the reset says a second).
	const resets = r.cell.headers === 'none' ? 0 : r.cell.limiter === 'token-bucket' ? 1 : Math.round(r.leastMs / (r.cell.windowS * 1000));
	const rounding = (Math.ceil(r.roundsPerWorker) + resets) * 1000;
	if (r.wallMs > bound * (r.leastMs + r.ownPaceMs + rounding)) return '';
	const what = resets ? "Retry-After's and the reset's whole seconds" : "Retry-After's whole seconds";
	return ` (bound: own pace ${(r.ownPaceMs / 1000).toFixed(1)} s + ${what} ≤ ${rounding / 1000} s)`;
}

const base: Cell = { block: 'workers', workers: 1, windowS: 5, concurrency: 1, skewMs: 0, limiter: 'fixed', headers: 'none', load: 'even', warm: false, otherPerWindow: 0 };

/** The full grid of `npm run simulate`. */
export function fullGrid(): Cell[] {
	const cells: Cell[] = [];
	for (const workers of [1, 2, 4, 8, 50])
		for (const windowS of [1, 5, 20, 60])
			for (const concurrency of [1, 4, 16])
				for (const skewMs of workers === 1 ? [0] : [0, 150, 400]) cells.push({ ...base, workers, windowS, concurrency, skewMs });
	for (const limiter of ['fixed', 'sliding', 'token-bucket'] as const)
		for (const headers of ['none', 'ietf', 'x'] as const) {
			if (limiter === 'fixed' && headers === 'none') continue;
			for (const workers of [1, 2, 8]) for (const concurrency of [1, 4]) cells.push({ ...base, block: 'limiters', limiter, headers, workers, concurrency, skewMs: 150 });
		}
	for (const scenario of ['unequal', 'warm', 'other'] as const)
		for (const workers of [2, 4, 8])
			for (const windowS of [5, 20])
				for (const concurrency of [1, 4])
					cells.push({
						...base,
						block: 'scenarios',
						workers,
						windowS,
						concurrency,
						skewMs: 150,
						load: scenario === 'unequal' ? 'unequal' : 'even',
						warm: scenario === 'warm',
						otherPerWindow: scenario === 'other' ? Math.round(limitFor(windowS) / 3) : 0,
					});
	// The real queue bench's shape: cold (a fresh gate) and warm (the workers ran the workload a window before).
	for (const windowS of [5, 10, 20])
		for (const concurrency of [1, 4])
			for (const skewMs of [0, 150, 400]) for (const warm of [false, true]) cells.push({ ...base, block: 'queue', workers: 2, windowS, concurrency, skewMs, warm });
	// Workers that run on: 20 windows' work, where the probes space out (and their cost with them).
	for (const workers of [1, 2, 4]) for (const concurrency of [1, 4]) cells.push({ ...base, block: 'long', workers, concurrency, skewMs: workers > 1 ? 150 : 0 });
	// The one-process pacing bench's shape (its Retry-After rows): one worker, a fresh gate, 120 GETs at 30 per 3 s.
	for (const limiter of ['fixed', 'sliding', 'token-bucket'] as const)
		for (const concurrency of [1, 4]) cells.push({ ...base, block: 'process', windowS: 3, limiter, concurrency });
	return cells;
}

/** The few cells `npm test` runs (test/unit/pacing-grid.test.ts). */
export function smallGrid(): Cell[] {
	return [
		{ ...base, workers: 1, windowS: 5, concurrency: 4 },
		{ ...base, workers: 2, windowS: 5, concurrency: 1, skewMs: 150 },
		{ ...base, workers: 2, windowS: 5, concurrency: 4, skewMs: 400 },
		{ ...base, block: 'scenarios', workers: 2, windowS: 5, concurrency: 1, skewMs: 150, warm: true },
		{ ...base, block: 'scenarios', workers: 2, windowS: 5, concurrency: 4, skewMs: 150, load: 'unequal' },
		{ ...base, block: 'limiters', workers: 2, windowS: 5, concurrency: 4, skewMs: 150, headers: 'ietf' },
	];
}

export function describeCell(c: Cell): string {
	const shape = [
		c.limiter,
		c.headers === 'none' ? 'no headers' : c.headers === 'ietf' ? 'IETF' : 'X-RateLimit',
		c.block === 'queue' ? '2 × 2 executions of 30' : '',
		c.block === 'process' ? 'one process, 120 GETs' : '',
		c.block === 'long' ? `${LONG_WINDOWS} windows' work` : '',
		c.load === 'unequal' ? 'unequal' : '',
		c.warm ? 'warm' : '',
		c.otherPerWindow ? `other ${c.otherPerWindow}/window` : '',
	];
	return shape.filter(Boolean).join(', ');
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** The grid as a markdown table. */
export function table(results: CellResult[]): string {
	const head = '| shape | workers | window | limit | conc. | skew ms | items | least s | own pace s | wall s | ÷ least | 429/worker | 429 rounds/worker | rounds/worker/3 windows | own early | other/hold (first round) | 429 after headers | goals |';
	const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';
	const rows = results.map((r) => {
		const c = r.cell;
		return `| ${describeCell(c)} | ${c.workers} | ${c.windowS} s | ${r.limit} | ${c.concurrency} | ${c.skewMs} | ${r.items} | ${(r.leastMs / 1000).toFixed(1)} | ${(r.ownPaceMs / 1000).toFixed(1)} | ${(r.wallMs / 1000).toFixed(1)} | ${f2(r.ratio)} | ${f2(r.r429PerWorker)} | ${f2(r.roundsPerWorker)} | ${f2(r.r429Per3Windows)} | ${r.ownEarly} | ${r.otherPerHold} (${r.otherPerHoldFirst}) | ${c.headers === 'none' ? '–' : r.r429AfterHeaders} | ${r.misses.length ? r.misses.join('; ') : 'in'} |`;
	});
	return [head, rule, ...rows].join('\n');
}

/** One line per block: cells, cells inside every goal, the worst ratio. */
export function summary(results: CellResult[]): string {
	const blocks = [...new Set(results.map((r) => r.cell.block))];
	return blocks
		.map((b) => {
			const rs = results.filter((r) => r.cell.block === b);
			const inside = rs.filter((r) => r.misses.length === 0).length;
			const worst = Math.max(...rs.map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0)));
			const r429 = Math.max(...rs.map((r) => r.r429Per3Windows));
			return `${b}: ${rs.length} cells, ${inside} inside every goal; worst wall ÷ least ${worst.toFixed(2)}; worst 429/worker/3 windows ${r429.toFixed(2)}`;
		})
		.join('\n');
}
