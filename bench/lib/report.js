// @ts-check
// Medians, ratios, goals and the Markdown tables of `npm run bench` (printed and written to docs/benchmarks.md).
'use strict';

/** @param {number[]} xs */
function median(xs) {
	const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (v.length === 0) return NaN;
	const m = Math.floor(v.length / 2);
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** @param {number} x @param {number} [d] */
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mb = (/** @type {number} */ b) => f(b / 2 ** 20, 0);
const mark = (/** @type {boolean} */ ok) => (ok ? 'met' : '**missed**');

/** One line for the progress log. @param {any} m @param {number} [idealS] */
function brief(m, idealS) {
	const parts = [`wall ${f(m.wallS)} s`];
	if (idealS) parts.push(`÷ideal ${f(m.wallS / idealS)}`);
	parts.push(`req ${m.requests}`, `429 ${m.r429}`, `early ${m.early} (in flight ${m.earlyInFlight})`, `ok ${m.ok}`, `failed ${m.failed}`, `cpu ${f(m.cpuS, 3)} s`, `peak rss ${mb(m.peakRss)} MB`);
	if (m.error) parts.push(`error: ${String(m.error).slice(0, 120)}`);
	return parts.join(', ');
}

/** Median of a field over runs, with the range when there are several. @param {any[]} runs @param {string} k @param {number} [d] @param {(x:number)=>number} [tx] */
function med(runs, k, d = 2, tx = (x) => x) {
	const xs = runs.map((r) => tx(r[k]));
	const m = median(xs);
	if (runs.length < 2) return f(m, d);
	const fin = xs.filter(Number.isFinite);
	const lo = f(Math.min(...fin), d);
	const hi = f(Math.max(...fin), d);
	return lo === hi ? f(m, d) : `${f(m, d)} (${lo}–${hi})`;
}

/** @param {any[]} runs */
function errorsOf(runs) {
	const e = [...new Set(runs.map((r) => r.error).filter(Boolean).map((x) => String(x).replace(/\s+/g, ' ').slice(0, 90)))];
	return e.length ? `${runs.filter((r) => r.error).length}/${runs.length} runs: ${e.join('; ')}` : '';
}

/**
 * The page: the header and machine table, the rate-limited, per-request cost and Return All
 * sections, what bounds the figures, and the goals of those sections in one list after the machine
 * table.
 * @param {{ quick: boolean, reps: number, sizes: any, machine: any, results: any, skipped: string[], aborted: boolean, totalS: number, command: string, full?: boolean, groupSeconds?: Record<string, number> }} o
 */
function render(o) {
	const { sizes, results } = o;
	/** @type {string[]} the goals, one line each, in the order of the sections */
	const summary = [];
	const L = [
		...header(o),
		...machineTable(o.machine),
		...rateSection(results.rate ?? {}, sizes, summary),
		...costSection(results.cost, summary),
		...returnAllSection(results.returnAll, summary),
		...notes(o),
	];
	// The goals in one list, after the machine table.
	const at = L.findIndex((line) => line.startsWith('## '));
	if (summary.length && at >= 0) L.splice(at, 0, ...goalsAtAGlance(o.machine.date, summary));
	return L.join('\n');
}

/** The title and how the page was made. @param {Parameters<typeof render>[0]} o */
function header(o) {
	const { machine } = o;
	const L = [];
	L.push('# Benchmarks: the Flextell node, n8n\'s HTTP Request node and axios + axios-retry, side by side');
	L.push('');
	const took = Object.entries(o.groupSeconds ?? {})
		.map(([g, sec]) => `${g} ${f(/** @type {number} */ (sec) / 60, 1)}`)
		.join(', ');
	L.push(
		`Produced by \`${o.command}\` (bench/side-by-side.js) on ${machine.date}${o.quick ? ' — **quick mode: 1 repetition, small sizes, not the reference figures**' : ''}` +
			(o.full ? ': **one full run — every section of this page comes from it**.' : '.'),
	);
	L.push(`The run took ${f(o.totalS / 60, 1)} min${took ? ` (minutes: ${took})` : ''}; load average (1/5/15 min) at its start ${machine.loadStart}, at its end ${machine.loadEnd}.`);
	L.push(`Every contender ran in turn against the same local sandbox (HTTPS on 127.0.0.1) with the same configuration,`);
	L.push(`${o.reps} time(s) each; figures are medians, with the range over the runs in brackets when there are several.`);
	L.push('`npm run bench` runs every group (≈30 min here) and writes this whole page; `npm run bench -- --only pacing` (or');
	L.push('rate, cost, returnall, cache, queue, agent) runs the groups named and rewrites only their sections, each');
	L.push('of which names the run that wrote it. `--quick` is a check with small sizes that leaves this file alone;');
	L.push('`--reps N` repeats each run, `--budget-minutes M` bounds a run (default 35 for a full one) and lists what it skipped.');
	L.push('Raw figures: `docs/benchmarks.json` (`npm run bench -- --render docs/benchmarks.json --out docs/benchmarks.md` draws');
	L.push('these tables again). Needs the pinned n8n (`npm run n8n:install`, done by the demo); it builds the package first (`--no-build` skips that).');
	if (o.aborted) L.push('', '**The run hit its time budget and stopped early: the tables hold what was measured until then.**');
	if (o.skipped.length) L.push('', `Skipped for the time budget: ${o.skipped.join(', ')}.`);
	L.push('');
	return L;
}

/** @param {any} machine */
function machineTable(machine) {
	return [
		'| Machine | |',
		'|---|---|',
		`| CPU | ${machine.cpu} |`,
		`| Memory | ${machine.memory} |`,
		`| OS | ${machine.os} |`,
		`| n8n | ${machine.n8n} (real n8n, \`n8n execute --id\`, one fresh process per run) |`,
		`| Package | ${machine.pkg}, installed as \`npm pack\` ships it |`,
		`| Baseline | ${machine.axios}, on n8n's Node binary |`,
		`| Load average (1/5/15 min) | start ${machine.loadStart}, end ${machine.loadEnd} (other work on the machine disturbs CPU figures) |`,
		'',
	];
}

/**
 * The rate-limited runs, one table per Retry-After mode (none when not run).
 * @param {Record<string, any>} rate @param {any} sizes @param {string[]} summary the goals are added to it
 */
function rateSection(rate, sizes, summary) {
	if (!Object.keys(rate).length) return [];
	const idealS = sizes.rateItems / (sizes.limit / sizes.windowSeconds);
	const L = [];
	L.push(`## Rate-limited run: ${sizes.rateItems} GET items, limit ${sizes.limit} requests per ${sizes.windowSeconds}-second window`);
	L.push('');
	L.push(`Ideal wall time = ${sizes.rateItems} / (${sizes.limit} / ${sizes.windowSeconds} s) = ${f(idealS, 0)} s (ratio 1.00). Wall time is measured from the`);
	L.push('start of the measured node (n8n\'s own run data) or of the script\'s loop to the end of that node or loop;');
	L.push('n8n\'s start-up is not counted. "early" = requests the sandbox received before the moment its last 429');
	L.push('allowed (with Retry-After left out: before the end of the window); "in flight" = early requests that');
	L.push('arrived within 50 ms of the first 429 of their hold, i.e. already on their way when it was sent. Failed = items without a result;');
	L.push('an n8n execution that fails counts all its items as failed. Token suspension is switched off');
	L.push('(suspendAfter 10⁹) so early requests are counted, not punished.');
	L.push('');
	L.push('† items failed: the wall time runs until the node gave up, so the ratio says nothing about throughput.');
	L.push('');
	L.push('Goals (Flextell rows): wall ÷ ideal ≤ 1.10, 0 early, 0 failed, fewer 429s than both peers (HTTP Request with Retry On Fail, and axios-retry).');
	const missing = ['seconds', 'none'].filter((m) => !(m in rate));
	if (missing.length) {
		L.push('');
		L.push(
			`Retry-After ${missing.map((m) => (m === 'seconds' ? 'in seconds' : 'left out')).join(' and ')}: the "Pacing" section's rows ${missing.map((m) => (m === 'seconds' ? '"Retry-After only, fixed window"' : '"no Retry-After, no headers, fixed window"')).join(' and ')} are the same run (same contenders, limit and window); a full run measures them there once (\`--only rate --modes seconds,none,http-date\` runs them here too).`,
		);
	}
	for (const [mode, block] of Object.entries(rate)) L.push(...rateModeTable(mode, block, idealS, summary));
	L.push('');
	return L;
}

/**
 * One Retry-After mode's table of the rate-limited runs.
 * @param {string} mode @param {any} block @param {number} idealS @param {string[]} summary
 */
function rateModeTable(mode, block, idealS, summary) {
	const L = [''];
	const modeText = { seconds: 'Retry-After in seconds', none: 'Retry-After left out (pure backoff)', 'http-date': 'Retry-After as an HTTP-date' }[mode] ?? mode;
	L.push(`### ${modeText}`);
	L.push('');
	L.push('| Contender | wall s | wall ÷ ideal | requests | 429s | early | of which in flight | failed items | errors | goals |');
	L.push('|---|---|---|---|---|---|---|---|---|---|');
	const peerMed = (/** @type {string} */ key) => median((block.rows.find((/** @type {any} */ r) => r.key === key)?.runs ?? []).map((/** @type {any} */ r) => r.r429));
	const peers429 = Math.min(peerMed('http'), peerMed('axios'));
	for (const row of block.rows) {
		const runs = row.runs;
		if (!runs.length) {
			L.push(`| ${row.label} | not run | | | | | | | | |`);
			continue;
		}
		let goals = '';
		if (row.key.startsWith('flextell')) {
			const ratio = median(runs.map((/** @type {any} */ r) => r.wallS / idealS));
			const early = median(runs.map((/** @type {any} */ r) => r.early));
			const r429 = median(runs.map((/** @type {any} */ r) => r.r429));
			const noEarly = Math.max(...runs.map((/** @type {any} */ r) => r.early)) === 0;
			const noneFailed = Math.max(...runs.map((/** @type {any} */ r) => r.failed)) === 0;
			summary.push(
				`${row.label}, ${mode}: ratio ${f(ratio)} ${ratio <= 1.1 ? 'met' : 'missed'}; early ${mode === 'none' ? 'n/a' : noEarly ? 'met' : 'missed'}; failed ${noneFailed ? 'met' : 'missed'}; fewer 429s ${r429 < peers429 ? 'met' : 'missed'}`,
			);
			goals = [
				`ratio ${mark(ratio <= 1.1)}`,
				mode === 'none' ? `early: n/a (no Retry-After to honour; ${f(early, 0)} before the window end)` : `0 early ${mark(noEarly)}`,
				`0 failed ${mark(noneFailed)}`,
				`fewer 429s ${Number.isFinite(peers429) ? `${mark(r429 < peers429)} (${f(r429, 0)} vs HTTP Request ${f(peerMed('http'), 0)}, axios-retry ${f(peerMed('axios'), 0)})` : '(peers not run)'}`,
			].join('; ');
		}
		L.push(
			`| ${row.label} | ${med(runs, 'wallS')} | ${f(median(runs.map((/** @type {any} */ r) => r.wallS / idealS)))}${median(runs.map((/** @type {any} */ r) => r.failed)) > 0 ? ' †' : ''} | ${med(runs, 'requests', 0)} | ${med(runs, 'r429', 0)} | ${med(runs, 'early', 0)} | ${med(runs, 'earlyInFlight', 0)} | ${med(runs, 'failed', 0)} | ${errorsOf(runs)} | ${goals} |`,
		);
	}
	return L;
}

/**
 * The per-request cost (none when not run).
 * @param {any} cost @param {string[]} summary the goals are added to it
 */
function costSection(cost, summary) {
	if (!cost?.rows) return [];
	const L = [];
	L.push(`## Per-request cost: ${cost.items} GET items, no rate limit`);
	L.push('');
	L.push('CPU = user + system time of the process that makes the requests (the n8n process, read from');
	L.push('/proc/<pid>/stat every 20 ms; for the baseline, the script\'s process the same way) over the measured');
	L.push('window (the node\'s run, or the script\'s loop), divided by the requests sent. The sandbox runs in');
	L.push('another process and is not counted. Goal: the Flextell node ≤ 1.3 × the axios loop.');
	L.push('');
	L.push('| Contender | wall s | requests | CPU s | CPU ms / request | ratio to axios | goal |');
	L.push('|---|---|---|---|---|---|---|');
	const perReq = (/** @type {any} */ r) => (r.cpuS / Math.max(1, r.requests)) * 1000;
	const axiosRow = cost.rows.find((/** @type {any} */ r) => r.key === 'axios');
	const axiosMs = median((axiosRow?.runs ?? []).map(perReq));
	for (const row of cost.rows) {
		const runs = row.runs;
		if (!runs.length) {
			L.push(`| ${row.label} | not run | | | | | |`);
			continue;
		}
		const ms = median(runs.map(perReq));
		const ratio = ms / axiosMs;
		const goal = row.key.startsWith('flextell') ? `≤ 1.3× ${mark(ratio <= 1.3)}` : '';
		if (row.key.startsWith('flextell')) summary.push(`${row.label}, CPU per request: ${f(ratio)} × axios ${ratio <= 1.3 ? 'met' : 'missed'}`);
		const err = errorsOf(runs);
		L.push(`| ${row.label}${err ? ` (${err})` : ''} | ${med(runs, 'wallS')} | ${med(runs, 'requests', 0)} | ${med(runs, 'cpuS', 3)} | ${f(ms, 3)} | ${f(ratio)} | ${goal} |`);
	}
	L.push('');
	return L;
}

/**
 * Return All: one row per contender and size, then the linearity table for two sizes (none when not run).
 * @param {any} ra @param {string[]} summary the goals are added to it
 */
function returnAllSection(ra, summary) {
	if (!(ra?.sizes && Object.keys(ra.bySize ?? {}).length)) return [];
	const L = [];
	L.push(`## Return All: ${ra.sizes.map((/** @type {number} */ s) => s.toLocaleString('en-US')).join(' and ')} records in pages of 100`);
	L.push('');
	L.push('Peak RSS = the highest resident memory of the n8n process sampled (every 20 ms, /proc/<pid>/status)');
	L.push('during the measured nodes\' run; growth = that peak minus the RSS just before the run started. The');
	L.push('HTTP Request node returns one item per page, so its workflow adds a Split Out node on `data` to end,');
	L.push('like the Flextell node, with one item per record; both nodes count for its wall time and memory.');
	L.push('Not counted: n8n printing and saving the run data after the workflow ends.');
	L.push('');
	L.push('| Contender | records | items out | requests | wall s | peak RSS MB | RSS growth MB | growth bytes / record |');
	L.push('|---|---|---|---|---|---|---|---|');
	for (const size of ra.sizes) {
		for (const row of ra.bySize[size] ?? []) {
			const runs = row.runs;
			if (!runs.length) {
				L.push(`| ${row.label} | ${size} | not run | | | | | |`);
				continue;
			}
			const err = errorsOf(runs);
			L.push(
				`| ${row.label}${err ? ` (${err})` : ''} | ${size.toLocaleString('en-US')} | ${med(runs, 'ok', 0)} | ${med(runs, 'requests', 0)} | ${med(runs, 'wallS')} | ${mb(median(runs.map((/** @type {any} */ r) => r.peakRss)))} | ${mb(median(runs.map((/** @type {any} */ r) => r.rssGrowth)))} | ${f(median(runs.map((/** @type {any} */ r) => r.rssGrowth / size)), 0)} |`,
			);
		}
	}
	if (ra.sizes.length === 2) L.push(...linearityTable(ra, summary));
	L.push('');
	return L;
}

/**
 * Growth and wall time of the larger Return All size over the smaller one.
 * @param {any} ra @param {string[]} summary
 */
function linearityTable(ra, summary) {
	const [small, large] = ra.sizes;
	const L = [];
	L.push('');
	L.push(`Linearity (goal for the Flextell node: memory grows linearly with records, i.e. growth per record at ${large.toLocaleString('en-US')} ≤ 1.5 × that at ${small.toLocaleString('en-US')}):`);
	L.push('');
	L.push(`| Contender | growth ${large.toLocaleString('en-US')} ÷ growth ${small.toLocaleString('en-US')} (records ×${large / small}) | wall ${large.toLocaleString('en-US')} ÷ wall ${small.toLocaleString('en-US')} | goal |`);
	L.push('|---|---|---|---|');
	for (const [i, row] of (ra.bySize[small] ?? []).entries()) {
		const a = row.runs;
		const b = ra.bySize[large]?.[i]?.runs ?? [];
		if (!a.length || !b.length) continue;
		const g = median(b.map((/** @type {any} */ r) => r.rssGrowth)) / median(a.map((/** @type {any} */ r) => r.rssGrowth));
		const w = median(b.map((/** @type {any} */ r) => r.wallS)) / median(a.map((/** @type {any} */ r) => r.wallS));
		const goal = row.key === 'flextell' ? `linear ${mark(g <= 1.5 * (large / small))}` : '';
		if (row.key === 'flextell') summary.push(`Return All memory: growth ×${f(g, 1)} for ×${large / small} records, linear ${g <= 1.5 * (large / small) ? 'met' : 'missed'}`);
		L.push(`| ${row.label} | ${f(g, 1)} | ${f(w, 1)} | ${goal} |`);
	}
	return L;
}

/** The goals of this run's sections in one list. @param {string} date @param {string[]} summary */
function goalsAtAGlance(date, summary) {
	return [
		'## Goals at a glance',
		'',
		`From this run (${date}): the rate-limited run, the per-request cost and Return All. The pacing, enrichment, queue-mode and agent goals are in their own sections.`,
		'',
		...summary.map((x) => `- ${x}`),
		'',
		'Why each missed goal is missed: see "What bounds the figures" below.',
		'',
	];
}

/**
 * What bounds the figures. Partly computed from this run's figures, partly what profiling showed
 * (see the dated statements).
 * @param {any} o
 */
function notes(o) {
	const L = ['## What bounds the figures', ''];
	// Time per request with 4 in flight, from the per-request runs of the Flextell node.
	const c4 = (o.results.cost?.rows ?? []).find((/** @type {any} */ r) => r.key === 'flextell4');
	const c4ms = c4?.runs?.length ? (median(c4.runs.map((/** @type {any} */ r) => r.wallS)) * 4 * 1000) / o.results.cost.items : NaN;
	const latency = Number.isFinite(c4ms) ? ` takes ≈${f(c4ms, 0)} ms per request with 4 in flight in this run's per-request runs)` : ' takes tens of ms per request)';
	const rate = o.results.rate ?? {};
	// Early requests of the Flextell rows that were not in flight when the 429 came.
	const late = [];
	for (const [mode, block] of Object.entries(rate)) {
		if (mode === 'none') continue;
		for (const row of /** @type {any} */ (block).rows) {
			if (!row.key.startsWith('flextell')) continue;
			for (const r of row.runs) if (r.early - r.earlyInFlight > 0) late.push(`${row.label}, Retry-After ${mode}: ${r.early - r.earlyInFlight}`);
		}
	}
	L.push(
		'- **429s.** A client that is not told the limit meets one 429 per window to find where the window ends.',
		'  The Flextell node at concurrency 1 and the axios-retry script (whose `exponentialDelay` waits',
		'  max(backoff, Retry-After) in axios-retry 4.x) both take exactly that one per window, so "fewer 429s than',
		'  both peers" can be met against the HTTP Request node but only equalled against axios-retry. Going',
		'  below one per window needs the node to learn the window (the requests that went through before the',
		'  429 and the moment Retry-After names) and pace the next windows before sending: built since in',
		'  `nodes/shared/transport/limit-estimator.ts` and `rate-gate.ts`; its figures are in the "Pacing" section.',
		'- **Early requests at concurrency > 1.** A request is checked against the shared gate once, just before',
		'  it is handed to n8n; when a 429 comes back, the requests that passed the gate before the node had',
		`  read that 429 are already on their way (n8n's request path, a credential read plus a new TLS connection,${latency}`,
		'  and reach the server after it: the sandbox counts them as early. The gate holds',
		'  every request that starts after the node has seen the 429. The "in flight" column counts the early',
		'  requests that arrived within 50 ms of the first 429 of their hold' +
			(late.length ? `; the rest arrived later than that (${late.join('; ')}), which fits requests that had passed the gate but were still in n8n\'s request path on a loaded machine.` : '; in this run that was every early request of the Flextell rows.'),
		'  Zero early requests with several in flight would need the limit known in advance.',
		'- **Retry-After in whole seconds** rounds each wait up by up to a second; a fixed window that starts at',
		'  the first request lets a client finish in (windows − 1) × window + the time to send the last window,',
		'  so ratios below 1.00 are possible and the seconds lost per window show up directly in the ratio.',
		'- **Without Retry-After** nobody can know when the window ends: the node backs off (≈1 s doubling, with',
		'  jitter) and every try before the window end is counted early by the sandbox; the goal of zero early',
		'  requests applies to the runs where Flextell names a moment. At concurrency > 1 every request waiting',
		'  in the gate leaves when the hold ends and each sends its own probe, so each backoff step costs up to',
		'  `concurrency` 429s, and each 429 sets its own (growing, jittered) backoff, which can keep the gate',
		'  shut past the window end. Letting one request probe while the others wait for its outcome would cut',
		'  both (`RateGate.pass` in `nodes/shared/transport/rate-gate.ts`): built, one probe per hold; see the "Pacing" section.',
		'- **Per-request CPU is bounded by n8n\'s request path, not by the node\'s code.** A CPU profile of the',
		'  n8n process (`npm run bench -- --quick --only cost --cpu-prof DIR`, 300 requests, 2026-11-28) put about',
		'  0.6 s of ≈2.9 s busy in TLS set-up (n8n 2.40\'s `@n8n/backend-network` `buildNodeAgents` makes a new',
		'  `https.Agent` for every request: a new TLS connection and SecureContext each time, no keep-alive),',
		'  ≈0.4 s in expression evaluation (the path `=contacts/{{ $json.id }}`, evaluated per item through',
		'  `@n8n/expression-runtime`\'s isolated-vm bridge), ≈0.4 s in sqlite/typeorm (`requestOAuth2` reads the',
		'  credential from the database for every request), ≈0.3 s in n8n-core\'s axios/OAuth code, and ≈0.06 s',
		'  in the Flextell node\'s own code. The HTTP Request node goes through the same path and costs more.',
		'  The reference row "new https.Agent per request" shows what the TLS handshakes alone do to the',
		'  axios loop. The node has to call `httpRequestWithAuthentication` (n8n signs and refreshes the OAuth2',
		'  token there), so it cannot keep its own connection pool without taking OAuth2 away from n8n.',
		'- **Return All memory** is the items n8n keeps for the run: RSS growth per record does not rise from',
		'  the smaller to the larger list (the node appends page by page into one array, no copying), so',
		'  growth is linear or better; n8n\'s own process is ≈400 MB before the node starts.',
		'',
	);
	return L;
}

module.exports = { median, brief, render, med, f, errorsOf };
