/**
 * The small pacing grid (test/pacing-grid.ts; the full one is `npm run simulate`): the package's
 * own gate and request path against the sandbox's limiters, several workers, virtual time. Every
 * cell keeps the hard rules (nothing sent before a Retry-After this worker received, nothing fails,
 * no 429 once an answer carried rate-limit headers) and misses no goal beyond the ones named here
 * with what bounds them (docs/pacing.md, "The grid").
 */
import type { CellResult } from '../pacing-grid';
import { describeCell, fullGrid, runCell, smallGrid } from '../pacing-grid';

/** Misses the grid names, per cell (by its place in smallGrid()), with what bounds them. */
const NAMED: Record<number, RegExp[]> = {
	// Alone: own pace and Retry-After's whole seconds bound the wall; the first round (4 in flight) and a probe in each paced window are the 429s.
	0: [/^wall > 1\.1 × least \(bound: own pace/, /^> 1 × 429 round per 3 windows/],
	// Two workers, a 4-window run: the split of the first window, a probe in each paced window each, Retry-After's whole seconds.
	1: [/^wall > 1\.2 × least/, /^> 1 × 429 round per 3 windows/],
	2: [/^wall > 1\.2 × least/, /^> 1 × 429 round per 3 windows/],
	3: [/^wall > 1\.2 × least/, /^> 1 other per hold/, /^> 1 × 429 round per 3 windows/],
	4: [/^wall > 1\.2 × least/, /^> 1 × 429 round per 3 windows/],
	// Headers: no 429 at all; the last place of a window is left while the other worker is busy.
	5: [/^wall > 1\.1 × least/],
};

describe('the small pacing grid (virtual time, the real request path, the sandbox limiter)', () => {
	const cells = smallGrid();
	it.each(cells.map((cell, i) => [i, describeCell(cell), cell.workers, cell.concurrency] as const))(
		'cell %d (%s, %d workers, concurrency %d): the hard rules hold, and no goal is missed beyond the named ones',
		async (i) => {
			const r: CellResult = await runCell(cells[i]);
			expect(r.failed).toBe(0);
			expect(r.ownEarly).toBe(0);
			if (cells[i].headers !== 'none') expect(r.r429AfterHeaders).toBe(0);
			// Nobody waits for ever: the wall stays within twice the fixed-window least.
			expect(r.ratio).toBeLessThan(2);
			const unnamed = r.misses.filter((miss) => !(NAMED[i] ?? []).some((named) => named.test(miss)));
			expect(unnamed).toEqual([]);
		},
	);
});

describe("alone, probing costs 429s but no wall (the one-process bench's shape)", () => {
	const cells = fullGrid().filter((c) => c.block === 'process' && c.limiter !== 'token-bucket');
	it.each(cells.map((cell) => [describeCell(cell), cell.concurrency, cell] as const))(
		'%s, concurrency %d: a probe in each paced window, each a 429, and only the learning round\'s hold carries Retry-After\'s rounding',
		async (_label, _c, cell) => {
			const r = await runCell(cell);
			// The learning round and a failed probe in each of the 3 paced windows but the last
			// (4 windows' work: the last window's probe would come after its work is done).
			expect(r.roundsPerWorker).toBe(3);
			// Each failed probe went where its 429's whole seconds end before the budget's next place:
			// the wall is the least, the worker's own pace and one rounding second, no more.
			expect(r.wallMs).toBeLessThanOrEqual(r.leastMs + r.ownPaceMs + 1000);
		},
	);
});
