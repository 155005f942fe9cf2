/**
 * Property: for any sequence of polls of one trigger — records arriving with tied dates or
 * back-dated, polls failing on any page, polls starting while others run (through the lock, and
 * beside it as a second instance sharing the state), and process restarts — every record is
 * emitted at most once, the watermark never moves back nor past a record not yet emitted, and
 * every record that arrived in date order and was in the list when a successful poll started is
 * emitted by the end of that poll.
 *
 * It drives the trigger's own poll (`pollOnce`: lock, scan, commit) with an in-memory list paged
 * by offset, newest first; each page fetch waits until the sequence lets it go, so polls
 * interleave in every order. Saving follows n8n: the static data is saved when a poll emits and
 * after the activation poll; a restart reloads what was saved and forgets the locks.
 *
 * Seeded and reproducible: FLEXTELL_FUZZ_SEED=<n> picks the seed (a fixed one by default),
 * FLEXTELL_FUZZ_RUNS=<n> the number of runs (else FLEXTELL_PROPERTY_RUNS: 1 000 in `npm test`, 10 000
 * in `npm run test:fuzz`); a failure prints the seed, the
 * path to replay it and the shrunk sequence.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import type { PollOutcome } from '../../nodes/FlextellTrigger/poll';
import { pollOnce } from '../../nodes/FlextellTrigger/poll';
import { pollLockKey, resetPollLocks } from '../../nodes/FlextellTrigger/poll-lock';
import { dateValue } from '../../nodes/FlextellTrigger/watermark';

const SEED = Number(process.env.FLEXTELL_FUZZ_SEED ?? 20_261_129);
const RUNS = Number(process.env.FLEXTELL_FUZZ_RUNS ?? process.env.FLEXTELL_PROPERTY_RUNS ?? 1_000);
const FIELDS = { idField: 'id', dateField: 'created_at' };
const STATE_KEY = 'contacts';
const T0 = Date.UTC(2026, 0, 1);
const iso = (second: number) => new Date(T0 + second * 1000).toISOString();

type Op =
	/** Records in date order: at the newest date so far (a tie) or up to 2 s after it. */
	| { kind: 'insert'; ahead: number[] }
	/** A record dated before the newest one already in the list. */
	| { kind: 'backdate'; behind: number }
	/** A poll starts; it fails on page `failAt` if given; instance 1 shares the state but not the lock. */
	| { kind: 'poll'; failAt: number | null; pageSize: number; instance: 0 | 1 }
	/** One waiting page fetch (of the polls in flight, the `pick`-th) goes ahead. */
	| { kind: 'step'; pick: number }
	| { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), ahead: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }) }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('backdate' as const), behind: fc.integer({ min: 1, max: 4 }) }) },
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('poll' as const),
			failAt: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }),
			pageSize: fc.integer({ min: 1, max: 3 }),
			instance: fc.constantFrom<0 | 1>(0, 0, 0, 0, 1),
		}),
	},
	{ weight: 6, arbitrary: fc.record({ kind: fc.constant('step' as const), pick: fc.nat(7) }) },
	{ weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface StoredRecord {
	id: string;
	second: number;
	/** Position in arrival order. */
	seq: number;
	/** Arrived in date order, after the first activation poll was saved: must come out. */
	expected: boolean;
}

interface InFlight {
	lineage: number;
	dead: boolean;
	/** Lets the next page fetch go. */
	go?: () => void;
	done: boolean;
}

class World {
	records: StoredRecord[] = [];
	emitted = new Map<string, number>();
	/** The static data in memory (n8n's workflow object) and as last saved. */
	memory: IDataObject = {};
	saved: IDataObject = {};
	/** Bumped by a restart: polls of an older lineage belong to a dead process. */
	lineage = 0;
	activationSaved = false;
	polls: InFlight[] = [];
	lastWatermarkMs = -Infinity;
	problems: string[] = [];

	constructor(readonly tiesNewestFirst: boolean) {}

	newestFirst(): StoredRecord[] {
		return [...this.records].sort((a, b) => b.second - a.second || (this.tiesNewestFirst ? b.seq - a.seq : a.seq - b.seq));
	}

	maxSecond(): number {
		return this.records.reduce((max, r) => Math.max(max, r.second), 0);
	}

	add(second: number, expected: boolean) {
		const seq = this.records.length;
		this.records.push({ id: `r${seq}`, second, seq, expected: expected && this.activationSaved });
	}

	node(): IDataObject {
		return ((this.memory['node:Flextell Trigger'] as IDataObject | undefined) ??= {});
	}

	startPoll(op: Extract<Op, { kind: 'poll' }>): Promise<void> {
		const flight: InFlight = { lineage: this.lineage, dead: false, done: false };
		this.polls.push(flight);
		const presentAtStart = this.records.filter((r) => r.expected).map((r) => r.id);
		const store = this.node();
		const world = this;
		async function* pages(): AsyncGenerator<IDataObject[]> {
			for (let page = 0, offset = 0; ; page++, offset += op.pageSize) {
				await new Promise<void>((resolve) => (flight.go = resolve));
				flight.go = undefined;
				if (flight.dead) throw new Error('the process died');
				if (op.failAt === page) throw new Error('page failed');
				const slice = world.newestFirst().slice(offset, offset + op.pageSize);
				yield slice.map((r) => ({ id: r.id, created_at: iso(r.second) }));
				if (slice.length < op.pageSize) return;
			}
		}
		const run = pollOnce({
			lockKey: pollLockKey('wf', op.instance === 0 ? 'trigger' : 'trigger (second instance)'),
			staticData: () => store,
			stateKey: STATE_KEY,
			fields: FIELDS,
			pages,
			errors: { notNewestFirst: () => new Error('not newest first'), unreadableDate: () => new Error('no date') },
		});
		return run.then(
			(outcome) => this.finished(flight, outcome, presentAtStart),
			() => {
				flight.done = true;
			},
		);
	}

	finished(flight: InFlight, outcome: PollOutcome, presentAtStart: string[]) {
		flight.done = true;
		if (flight.dead || flight.lineage !== this.lineage) return;
		if (outcome.kind === 'new') {
			for (const record of outcome.records) {
				const id = String(record.id);
				const times = (this.emitted.get(id) ?? 0) + 1;
				this.emitted.set(id, times);
				if (times > 1) this.problems.push(`${id} emitted ${times} times`);
			}
		}
		if (outcome.kind === 'new' || (outcome.kind === 'first' && !this.activationSaved)) {
			this.saved = structuredClone(this.memory);
			this.activationSaved = true;
		}
		if (outcome.kind === 'new' || outcome.kind === 'none') {
			for (const id of presentAtStart) {
				if (!this.emitted.has(id)) this.problems.push(`${id} was in the list when a successful poll started, and was not emitted`);
			}
		}
		this.checkState();
	}

	/** The watermark never moves back, and never passes an expected record not yet emitted. */
	checkState() {
		const state = this.node();
		if (typeof state.watermark !== 'string') return;
		const mark = dateValue(state.watermark);
		if (mark < this.lastWatermarkMs) this.problems.push(`the watermark moved back to ${state.watermark}`);
		this.lastWatermarkMs = Math.max(this.lastWatermarkMs, mark);
		const ids = (state.idsAtWatermark as string[]) ?? [];
		for (const record of this.records) {
			if (!record.expected || this.emitted.has(record.id)) continue;
			const at = T0 + record.second * 1000;
			if (at < mark || (at === mark && ids.includes(record.id))) this.problems.push(`the watermark passed ${record.id}, not emitted`);
		}
	}

	restart() {
		for (const flight of this.polls) flight.dead = true;
		this.lineage += 1;
		this.memory = structuredClone(this.saved);
		resetPollLocks();
		// What n8n saved is what the watermark stands at now.
		const state = this.node();
		this.lastWatermarkMs = typeof state.watermark === 'string' ? dateValue(state.watermark) : -Infinity;
	}

	waiting(): InFlight[] {
		return this.polls.filter((p) => !p.done && p.go);
	}
}

/** Lets every pending promise settle (nothing here waits for I/O). */
const settle = async () => await new Promise<void>((resolve) => setImmediate(resolve));

async function play(ops: Op[], tiesNewestFirst: boolean): Promise<World> {
	resetPollLocks();
	const world = new World(tiesNewestFirst);
	const running: Array<Promise<void>> = [];
	for (const op of ops) {
		switch (op.kind) {
			case 'insert': {
				const max = world.maxSecond();
				for (const ahead of op.ahead) world.add(max + ahead, true);
				break;
			}
			case 'backdate':
				world.add(Math.max(0, world.maxSecond() - op.behind), false);
				break;
			case 'poll':
				running.push(world.startPoll(op));
				break;
			case 'step': {
				const waiting = world.waiting();
				if (waiting.length) waiting[op.pick % waiting.length].go?.();
				break;
			}
			case 'restart':
				world.restart();
				break;
		}
		await settle();
		world.checkState();
	}
	// Let everything in flight finish, then two quiet polls (the first may be the activation poll).
	for (let waiting = world.waiting(); waiting.length; waiting = world.waiting()) {
		waiting[0].go?.();
		await settle();
	}
	await Promise.all(running);
	for (let quiet = 0; quiet < 2; quiet++) {
		const done = world.startPoll({ kind: 'poll', failAt: null, pageSize: 2, instance: 0 });
		for (let waiting = world.waiting(); waiting.length; waiting = world.waiting()) {
			waiting[0].go?.();
			await settle();
		}
		await done;
	}
	for (const record of world.records) {
		if (record.expected && world.emitted.get(record.id) !== 1) world.problems.push(`${record.id} was never emitted`);
	}
	return world;
}

describe('the watermark under any sequence of polls (property)', () => {
	afterAll(() => resetPollLocks());

	it(`each record at most once, every record in date order exactly once (${RUNS} runs, seed ${SEED})`, async () => {
		const startedAt = Date.now();
		await fc.assert(
			fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.boolean(), async (ops, tiesNewestFirst) => {
				const world = await play(ops, tiesNewestFirst);
				expect(world.problems).toEqual([]);
			}),
			{ seed: SEED, numRuns: RUNS },
		);
		// The cost, for the record (no bound: the machine is shared).
		process.stdout.write(`watermark property: ${RUNS} runs in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (seed ${SEED})\n`);
	}, 600_000);
});
