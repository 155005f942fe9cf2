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
	return `${f(m, d)} (${f(Math.min(...fin), d)}–${f(Math.max(...fin), d)})`;
}

/** @param {any[]} runs */
function errorsOf(runs) {
	const e = [...new Set(runs.map((r) => r.error).filter(Boolean).map((x) => String(x).replace(/\s+/g, ' ').slice(0, 90)))];
	return e.length ? `${runs.filter((r) => r.error).length}/${runs.length} runs: ${e.join('; ')}` : '';
}

/**
 * @param {{ quick: boolean, reps: number, sizes: any, machine: any, results: any, skipped: string[], aborted: boolean, totalS: number, command: string }} o
 */
function render(o) {
	const { sizes, results, machine } = o;
	const L = [];
	L.push('# Benchmarks: the Flextell node, n8n\'s HTTP Request node and axios + axios-retry, side by side');
	L.push('');
	L.push(`Produced by \`${o.command}\` (bench/side-by-side.js) on ${machine.date}${o.quick ? ' — **quick mode: 1 repetition, small sizes, not the reference figures**' : ''}.`);
	L.push(`Every contender ran in turn against the same local sandbox (HTTPS on 127.0.0.1) with the same configuration,`);
	L.push(`${o.reps} time(s) each; figures are medians, with the range over the runs in brackets. Total bench time: ${f(o.totalS / 60, 1)} min.`);
	if (o.aborted) L.push('', '**The run hit its time budget and stopped early: the tables hold what was measured until then.**');
	if (o.skipped.length) L.push('', `Skipped for the time budget: ${o.skipped.join(', ')}.`);
	L.push('');
	L.push('| Machine | |');
	L.push('|---|---|');
	L.push(`| CPU | ${machine.cpu} |`);
	L.push(`| Memory | ${machine.memory} |`);
	L.push(`| OS | ${machine.os} |`);
	L.push(`| n8n | ${machine.n8n} (real n8n, \`n8n execute --id\`, one fresh process per run) |`);
	L.push(`| Package | ${machine.pkg}, installed as \`npm pack\` ships it |`);
	L.push(`| Baseline | ${machine.axios}, on n8n's Node binary |`);
	L.push(`| Load average (1/5/15 min) | start ${machine.loadStart}, end ${machine.loadEnd} (other work on the machine disturbs CPU figures) |`);
	L.push('');

	// Rate-limited runs
	const rate = results.rate ?? {};
	if (Object.keys(rate).length) {
		const idealS = sizes.rateItems / (sizes.limit / sizes.windowSeconds);
		L.push(`## Rate-limited run: ${sizes.rateItems} GET items, limit ${sizes.limit} requests per ${sizes.windowSeconds}-second window`);
		L.push('');
		L.push(`Ideal wall time = ${sizes.rateItems} / (${sizes.limit} / ${sizes.windowSeconds} s) = ${f(idealS, 0)} s (ratio 1.00). Wall time is measured from the`);
		L.push('start of the measured node (n8n\'s own run data) or of the script\'s loop to the end of that node or loop;');
		L.push('n8n\'s start-up is not counted. "early" = requests the sandbox received before the moment its last 429');
		L.push('allowed (with Retry-After left out: before the end of the window); "in flight" = early requests that');
		L.push('arrived within 50 ms after a 429 was sent, i.e. sent before the client could have seen it. Failed = items without a result;');
		L.push('an n8n execution that fails counts all its items as failed. Token suspension is switched off');
		L.push('(suspendAfter 10⁹) so early requests are counted, not punished.');
		L.push('');
		L.push('Goals (Flextell rows): wall ÷ ideal ≤ 1.10, 0 early, 0 failed, fewer 429s than both peers (HTTP Request with Retry On Fail, and axios-retry).');
		for (const [mode, block] of Object.entries(rate)) {
			L.push('');
			const modeText = { seconds: 'Retry-After in seconds', none: 'Retry-After left out (pure backoff)', 'http-date': 'Retry-After as an HTTP-date' }[mode] ?? mode;
			L.push(`### ${modeText}`);
			L.push('');
			L.push('| Contender | wall s | wall ÷ ideal | requests | 429s | early (of which in flight) | failed items | errors | goals |');
			L.push('|---|---|---|---|---|---|---|---|---|');
			const peerMed = (/** @type {string} */ key) => median((block.rows.find((/** @type {any} */ r) => r.key === key)?.runs ?? []).map((/** @type {any} */ r) => r.r429));
			const peers429 = Math.min(peerMed('http'), peerMed('axios'));
			for (const row of block.rows) {
				const runs = row.runs;
				if (!runs.length) {
					L.push(`| ${row.label} | not run | | | | | | | |`);
					continue;
				}
				let goals = '';
				if (row.key.startsWith('flextell')) {
					const ratio = median(runs.map((/** @type {any} */ r) => r.wallS / idealS));
					const early = median(runs.map((/** @type {any} */ r) => r.early));
					const failed = median(runs.map((/** @type {any} */ r) => r.failed));
					const r429 = median(runs.map((/** @type {any} */ r) => r.r429));
					goals = [
						`ratio ${mark(ratio <= 1.1)}`,
						mode === 'none' ? `early: n/a (no Retry-After to honour; ${f(early, 0)} before the window end)` : `0 early ${mark(Math.max(...runs.map((/** @type {any} */ r) => r.early)) === 0)}`,
						`0 failed ${mark(Math.max(...runs.map((/** @type {any} */ r) => r.failed)) === 0)}`,
						`fewer 429s ${Number.isFinite(peers429) ? mark(r429 < peers429) : '(peers not run)'}`,
					].join('; ');
					void failed;
				}
				L.push(
					`| ${row.label} | ${med(runs, 'wallS')} | ${f(median(runs.map((/** @type {any} */ r) => r.wallS / idealS)))} | ${med(runs, 'requests', 0)} | ${med(runs, 'r429', 0)} | ${med(runs, 'early', 0)} (${med(runs, 'earlyInFlight', 0)}) | ${med(runs, 'failed', 0)} | ${errorsOf(runs)} | ${goals} |`,
				);
			}
		}
		L.push('');
	}

	// Per-request cost
	const cost = results.cost;
	if (cost?.rows) {
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
			const err = errorsOf(runs);
			L.push(`| ${row.label}${err ? ` (${err})` : ''} | ${med(runs, 'wallS')} | ${med(runs, 'requests', 0)} | ${med(runs, 'cpuS', 3)} | ${f(ms, 3)} | ${f(ratio)} | ${goal} |`);
		}
		L.push('');
	}

	// Return All
	const ra = results.returnAll;
	if (ra?.sizes && Object.keys(ra.bySize ?? {}).length) {
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
		if (ra.sizes.length === 2) {
			const [small, large] = ra.sizes;
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
				L.push(`| ${row.label} | ${f(g, 1)} | ${f(w, 1)} | ${goal} |`);
			}
		}
		L.push('');
	}
	return L.join('\n');
}

module.exports = { median, brief, render };
