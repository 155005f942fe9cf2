/**
 * The GitHub Actions workflow cannot run here: its syntax and the parts a release depends on are
 * checked instead (valid YAML, every `npm run` script exists, publishing only on a version tag,
 * after the checks, with provenance and the OIDC permission it needs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..', '..');
const file = path.join(ROOT, '.github', 'workflows', 'ci.yml');
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

interface Step { uses?: string; run?: string }
interface Job { if?: string; needs?: string | string[]; permissions?: Record<string, string>; steps: Step[] }

const workflow = parse(fs.readFileSync(file, 'utf8'), { strict: true, uniqueKeys: true }) as { on: Record<string, unknown>; jobs: Record<string, Job> };

it('is valid YAML whose steps each use an action or run a command', () => {
	for (const job of Object.values(workflow.jobs)) {
		expect(job.steps.length).toBeGreaterThan(0);
		for (const step of job.steps) expect(Boolean(step.uses) !== Boolean(step.run)).toBe(true);
	}
});

it('runs only npm scripts that exist, and the checks CI runs', () => {
	const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
	const used = runs.flatMap((run) => [...run.matchAll(/npm run (\S+)/g)].map((m) => m[1]));
	for (const name of used) expect(scripts).toContain(name);
	expect(new Set(used)).toEqual(new Set(['typecheck', 'lint', 'build', 'scan', 'test:fuzz']));
	expect(runs).toContain('npm test');
	expect(runs).toContain('npm run test:fuzz');
});

it('publishes with provenance only on a version tag, after the checks, with the id-token permission', () => {
	expect((workflow.on.push as { tags: string[] }).tags).toEqual(['v*']);
	const publish = workflow.jobs.publish;
	expect(publish.if).toBe("startsWith(github.ref, 'refs/tags/v')");
	expect(publish.needs).toBe('check');
	expect(publish.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
	expect(publish.steps.at(-1)?.run).toBe('npm publish --provenance --access public');
	expect(Object.entries(workflow.jobs).filter(([, job]) => job.steps.some((s) => s.run?.includes('npm publish'))).map(([name]) => name)).toEqual(['publish']);
});
