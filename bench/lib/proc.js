// @ts-check
// Samples one process's CPU time and resident memory from /proc (Linux), with timestamps on the
// same clock as the sandbox's request log (performance.timeOrigin + performance.now(), ms).
'use strict';
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let clockTicks = 100;
try {
	clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

const now = () => performance.timeOrigin + performance.now();

/**
 * @param {number} pid
 * @returns {{ cpu: number, rss: number } | undefined} cpu in seconds (user + system), rss in bytes
 */
function readProc(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name (which may contain spaces) start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const utime = Number(fields[11]);
		const stime = Number(fields[12]);
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const m = /VmRSS:\s+(\d+) kB/.exec(status);
		return { cpu: (utime + stime) / clockTicks, rss: m ? Number(m[1]) * 1024 : 0 };
	} catch {
		return undefined;
	}
}

/**
 * Starts sampling `pid` every `intervalMs`. stop() returns the samples.
 * @param {number} pid @param {number} [intervalMs]
 */
function sampleProcess(pid, intervalMs = 20) {
	/** @type {{ t: number, cpu: number, rss: number }[]} */
	const samples = [];
	const take = () => {
		const r = readProc(pid);
		if (r) samples.push({ t: now(), ...r });
	};
	take();
	const timer = setInterval(take, intervalMs);
	return {
		samples,
		stop() {
			take();
			clearInterval(timer);
			return samples;
		},
	};
}

/**
 * CPU seconds spent between t0 and t1 (linear interpolation of the cumulative counter).
 * @param {{ t: number, cpu: number }[]} samples @param {number} t0 @param {number} t1
 */
function cpuBetween(samples, t0, t1) {
	const at = (/** @type {number} */ t) => {
		if (samples.length === 0) return NaN;
		if (t <= samples[0].t) return samples[0].cpu;
		for (let i = 1; i < samples.length; i++) {
			const a = samples[i - 1];
			const b = samples[i];
			if (t <= b.t) return a.cpu + ((b.cpu - a.cpu) * (t - a.t)) / Math.max(1e-9, b.t - a.t);
		}
		return samples[samples.length - 1].cpu;
	};
	return at(t1) - at(t0);
}

/**
 * Peak RSS within [t0, t1] and the RSS just before t0 (the baseline).
 * @param {{ t: number, rss: number }[]} samples @param {number} t0 @param {number} t1
 */
function rssWindow(samples, t0, t1) {
	let baseline = samples[0]?.rss ?? 0;
	let peak = 0;
	for (const s of samples) {
		if (s.t < t0) baseline = s.rss;
		else if (s.t <= t1) peak = Math.max(peak, s.rss);
	}
	return { baseline, peak: Math.max(peak, baseline) };
}

module.exports = { readProc, sampleProcess, cpuBetween, rssWindow, now, clockTicks };
