/**
 * Saved workflows keep working. Each workflow in test/fixtures/saved-workflows/ was saved with
 * this release (n8n's export format, parameters as the editor stores them: defaults left out).
 * Beside it, `<name>.expected.json` holds what it was run on (the sandbox's records, and for a
 * trigger the records added between polls) and what it gave: every node's outputs, and every API
 * request Flextell received. This test runs each workflow on the current build in n8n's own
 * engine (n8n-core's WorkflowExecute, PollContext for the trigger) against the sandbox, and
 * compares. A difference means a saved workflow would do something else after an upgrade: ship
 * that change as a new node version (`version: [1, 2]`, `defaultVersion`), keeping version 1 as
 * it is — never edit an expected file to make this pass (see docs/development.md).
 *
 * Outputs are compared after naming what the sandbox makes up anew on every run: ids of records
 * created during the run (`<new id 1>`, …), timestamps it sets (`<time>`), its port, and
 * response headers that vary (Date and the like). Requests are compared as a sorted list, since
 * with Concurrency above 1 their order of arrival varies; the order of pages shows in the outputs.
 *
 * FLEXTELL_SAVED_WORKFLOWS=write fills the outputs of an expected file from the current build:
 * only for a workflow added with a new release (or a new node version), never for an old one.
 */
import fs from 'node:fs';
import path from 'node:path';

import { WorkflowExecute } from 'n8n-core';
import type { IDataObject, INode, INodeExecutionData, INodeType, IRun, IWorkflowBase } from 'n8n-workflow';
import { createRunExecutionData, NodeHelpers, Workflow } from 'n8n-workflow';

import { Flextell } from '../../nodes/Flextell/Flextell.node';
import { FlextellTrigger } from '../../nodes/FlextellTrigger/FlextellTrigger.node';
import { executionAdditionalData, NODE_TYPE, nodeTypes, registerNodeType, runNode, TOOL_TYPE } from './harness';
import { makePoller, TRIGGER_TYPE } from './poll-harness';
import type { Sandbox } from './sandbox-fixture';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'saved-workflows');
const WRITE = process.env.FLEXTELL_SAVED_WORKFLOWS === 'write';
const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
const CREDENTIAL_ID = 'flextellSandbox1';

/** n8n's Manual Trigger, as far as a run needs it: it passes on the one empty item it starts with. */
const manualTrigger: INodeType = {
	description: {
		displayName: 'Manual Trigger (stand-in)',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: '',
		defaults: {},
		inputs: [],
		outputs: ['main'],
		properties: [],
	},
	async execute() {
		return [this.getInputData()];
	},
} as INodeType;
registerNodeType(MANUAL_TRIGGER, manualTrigger);


interface Given {
	pagination?: 'cursor' | 'page' | 'link';
	contacts?: number;
	tickets?: number;
}

interface PollStep {
	/** Before the poll: records added (numbered on from the last) and contacts changed (new changed_at). */
	add?: { contacts?: number; tickets?: number };
	update?: string[];
	mode: 'trigger' | 'manual';
	output?: IDataObject[] | null;
	requests?: string[];
}

interface Expected {
	release: string;
	given: Given;
	outputs?: Record<string, Array<Array<IDataObject>> | { error: string }>;
	requests?: string[];
	polls?: PollStep[];
}

// --- the records the sandbox holds: made by one fixed recipe, so ids and dates are known ---

const known = { ids: new Set<string>(), times: new Set<string>() };
const at = (minutes: number) => {
	const time = new Date(Date.UTC(2025, 0, 1) + minutes * 60_000).toISOString();
	known.times.add(time);
	return time;
};
const pad = (n: number) => String(n).padStart(3, '0');
const contactId = (i: number) => `obj_c${pad(i)}`;
function contact(i: number): IDataObject {
	known.ids.add(contactId(i));
	const time = at(i);
	return { id: contactId(i), name: `Contact ${i}`, email: `contact${i}@example.com`, status: i % 4 === 0 ? 'vip' : 'active', changed_at: time, created_at: time, updated_at: time };
}
function ticket(i: number): IDataObject {
	known.ids.add(`obj_t${pad(i)}`);
	const time = at(i);
	return { id: `obj_t${pad(i)}`, subject: `Ticket ${i}`, status: i % 3 === 0 ? 'closed' : 'open', priority: i % 2 ? 'high' : 'low', contact_id: contactId(1 + (i % 3)), created_at: time, updated_at: time };
}

function seed(sb: Sandbox, counts: { contacts?: number; tickets?: number }, from: { contacts: number; tickets: number }) {
	const range = (start: number, count = 0) => Array.from({ length: count }, (_, k) => start + k + 1);
	sb.seed('contacts', range(from.contacts, counts.contacts).map(contact));
	sb.seed('tickets', range(from.tickets, counts.tickets).map(ticket));
	from.contacts += counts.contacts ?? 0;
	from.tickets += counts.tickets ?? 0;
}

// --- what a run gave, with what the sandbox makes up anew named ---

const VARYING_HEADERS = new Set(['date', 'etag', 'last-modified', 'x-request-id', 'keep-alive', 'connection']);

function normalizer(sb: Sandbox) {
	const newIds = new Map<string, string>();
	const text = (s: string) =>
		s
			.split(sb.url)
			.join('<sandbox>')
			.replace(/obj_[0-9a-z]+/g, (id) => {
				if (known.ids.has(id) || !/^obj_[0-9a-z]{8}$/.test(id)) return id;
				if (!newIds.has(id)) newIds.set(id, `<new id ${newIds.size + 1}>`);
				return newIds.get(id) as string;
			})
			.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, (time) => (known.times.has(time) ? time : '<time>'));
	const value = (v: unknown, key = ''): unknown => {
		if (typeof v === 'string') return text(v);
		if (Array.isArray(v)) return v.map((e) => value(e));
		if (v && typeof v === 'object') {
			const out: IDataObject = {};
			for (const [k, e] of Object.entries(v)) {
				out[k] = key === 'headers' && VARYING_HEADERS.has(k.toLowerCase()) ? '<varies>' : (value(e, k) as IDataObject);
			}
			return out;
		}
		return v;
	};
	return value;
}

function outputItems(items: INodeExecutionData[], normalize: (v: unknown) => unknown): IDataObject[] {
	return items.map((item) => {
		const paired = item.pairedItem as { item: number } | Array<{ item: number }> | undefined;
		const pairedItem = Array.isArray(paired) ? paired.map((p) => p.item) : paired?.item;
		return { json: normalize(item.json) as IDataObject, ...(pairedItem === undefined ? {} : { pairedItem }) };
	});
}

function requestsSince(sb: Sandbox, seq: number, normalize: (v: unknown) => unknown): string[] {
	return apiRequests(sb)
		.filter((r: Record<string, any>) => r.seq > seq)
		.map((r: Record<string, any>) => {
			const header = r.headers['x-saved-workflow'] ? ` [X-Saved-Workflow: ${r.headers['x-saved-workflow']}]` : '';
			const body = r.body === null || r.body === undefined ? '' : ` ${JSON.stringify(r.body)}`;
			return normalize(`${r.method} ${r.target}${header}${body} → ${r.status}`) as string;
		})
		.sort();
}
const lastSeq = (sb: Sandbox) => sb.log.reduce((max, r) => Math.max(max, r.seq as number), 0);

// --- running a saved workflow ---

interface SavedWorkflow {
	name: string;
	nodes: INode[];
	connections: IWorkflowBase['connections'];
	settings?: IDataObject;
}

async function runWorkflow(saved: SavedWorkflow, credentials: ReturnType<typeof connectedCredential>['credentials']): Promise<IRun> {
	const workflowData = { id: 'wf-saved', ...saved, active: false, isArchived: false, createdAt: new Date(), updatedAt: new Date() } as unknown as IWorkflowBase;
	const workflow = new Workflow({ id: 'wf-saved', name: saved.name, nodes: saved.nodes, connections: saved.connections, active: false, nodeTypes, settings: saved.settings });
	const start = saved.nodes.find((n) => n.type === MANUAL_TRIGGER) as INode;
	const additionalData = executionAdditionalData(credentials, 'manual', `saved-${Date.now()}`, workflowData);
	const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: start, data: { main: [[{ json: {} }]] }, source: null }] } });
	return await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
}

const sb = useSandbox({ maxPageSize: 1000 });

const files = fs
	.readdirSync(FIXTURES)
	.filter((f) => /^\d\d-.*\.json$/.test(f) && !f.endsWith('.expected.json'))
	.sort();

describe('saved workflows give what they gave when saved', () => {
	it('there are saved workflows, each with its expected file', () => {
		expect(files.length).toBeGreaterThanOrEqual(10);
		for (const file of files) expect(fs.existsSync(path.join(FIXTURES, file.replace(/\.json$/, '.expected.json')))).toBe(true);
	});

	it.each(files)('%s', async (file) => {
		const saved = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as SavedWorkflow;
		const expectedFile = path.join(FIXTURES, file.replace(/\.json$/, '.expected.json'));
		const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as Expected;
		const actual: Expected = { release: expected.release, given: expected.given };

		sb.configure({ pagination: expected.given.pagination ?? 'cursor' });
		const counts = { contacts: 0, tickets: 0 };
		seed(sb, expected.given, counts);
		const { credentials } = connectedCredential(sb, { id: CREDENTIAL_ID });
		const normalize = normalizer(sb);

		const trigger = saved.nodes.find((n) => n.type === TRIGGER_TYPE);
		const tools = saved.nodes.filter((n) => n.type === TOOL_TYPE);
		if (trigger) {
			const poller = makePoller({ credentials, credentialId: CREDENTIAL_ID, parameters: trigger.parameters });
			actual.polls = [];
			for (const step of expected.polls ?? []) {
				if (step.add) seed(sb, step.add, counts);
				for (const [k, id] of (step.update ?? []).entries()) {
					(sb as unknown as { store: { merge(c: string, id: string, f: object): unknown } }).store.merge('contacts', id, { changed_at: at(1000 + k) });
				}
				const seq = lastSeq(sb);
				const output = step.mode === 'manual' ? await poller.pollManually() : await poller.poll();
				actual.polls.push({
					...(step.add ? { add: step.add } : {}),
					...(step.update ? { update: step.update } : {}),
					mode: step.mode,
					output: output === null ? null : outputItems(output, normalize).map((i) => i.json as IDataObject),
					requests: requestsSince(sb, seq, normalize),
				});
			}
		} else if (tools.length) {
			// An AI Agent calls its tool: the node runs as the tool variant and its one item is what the model reads.
			actual.outputs = {};
			const seq = lastSeq(sb);
			for (const node of tools) {
				const { items, error } = await runNode({ credentials, credentialId: CREDENTIAL_ID, nodeType: TOOL_TYPE, parameters: node.parameters });
				actual.outputs[node.name] = error ? { error: error.message } : [outputItems(items, normalize)];
			}
			actual.requests = requestsSince(sb, seq, normalize);
		} else {
			const seq = lastSeq(sb);
			const run = await runWorkflow(saved, credentials);
			actual.outputs = {};
			for (const node of saved.nodes.filter((n) => n.type === NODE_TYPE)) {
				const task = run.data.resultData.runData[node.name]?.[0];
				actual.outputs[node.name] = task?.error
					? { error: normalize(task.error.message) as string }
					: (task?.data?.main ?? []).map((items) => outputItems(items ?? [], normalize));
			}
			actual.requests = requestsSince(sb, seq, normalize);
		}

		if (WRITE) fs.writeFileSync(expectedFile, format(actual));
		expect(actual).toEqual(expected);
	});
});

describe('the saved workflows hold what n8n saves', () => {
	it.each([
		[NODE_TYPE, new Flextell()],
		[TOOL_TYPE, nodeTypes.getByName(TOOL_TYPE) as INodeType],
		[TRIGGER_TYPE, nodeTypes.getByName(TRIGGER_TYPE) as INodeType],
	])('%s: the parameters as n8n stores them (n8n-workflow drops nothing and adds no default)', (typeName, type) => {
		let checked = 0;
		for (const file of files) {
			const saved = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as SavedWorkflow;
			for (const node of saved.nodes.filter((n) => n.type === typeName)) {
				const stored = NodeHelpers.getNodeParameters(type.description.properties, node.parameters, false, false, node, type.description);
				expect({ file, node: node.name, parameters: stored }).toEqual({ file, node: node.name, parameters: node.parameters });
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(0);
	});
});

describe('the saved workflows set every parameter and option of both nodes', () => {
	/** Every parameter of a node type, options inside collections and fixed collections included, with its defaults. */
	function parameterDefaults(type: INodeType): Map<string, unknown[]> {
		const defaults = new Map<string, unknown[]>();
		const walk = (properties: INodeType['description']['properties'], prefix: string) => {
			for (const p of properties) {
				if (p.type === 'notice') continue;
				const key = prefix + p.name;
				defaults.set(key, [...(defaults.get(key) ?? []), p.default]);
				if (p.type === 'collection' && p.options) walk(p.options as typeof properties, `${key}.`);
			}
		};
		walk(type.description.properties, '');
		return defaults;
	}
	const usedValues = (nodeTypeName: string) => {
		const used = new Map<string, unknown[]>();
		for (const file of files) {
			const saved = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as SavedWorkflow;
			for (const node of saved.nodes.filter((n) => n.type === nodeTypeName)) {
				for (const [name, value] of Object.entries(node.parameters)) {
					used.set(name, [...(used.get(name) ?? []), value]);
					if (name === 'options' || name === 'toolOptions') {
						for (const [option, v] of Object.entries(value as IDataObject)) used.set(`${name}.${option}`, [...(used.get(`${name}.${option}`) ?? []), v]);
					}
				}
			}
		}
		return used;
	};
	const unset = (defaults: Map<string, unknown[]>, used: Map<string, unknown[]>) =>
		[...defaults]
			.filter(([name, ds]) => !(used.get(name) ?? []).some((v) => !ds.some((d) => JSON.stringify(d) === JSON.stringify(v))))
			.map(([name]) => name);

	it('the Flextell node (and its tool variant): no parameter is left at its default in all of them', () => {
		const used = usedValues(NODE_TYPE);
		for (const [name, values] of usedValues(TOOL_TYPE)) used.set(name, [...(used.get(name) ?? []), ...values]);
		const methods = new Set(usedValues(NODE_TYPE).get('method'));
		expect([...methods].sort()).toEqual(['DELETE', 'PATCH', 'POST', 'PUT']);
		expect(unset(parameterDefaults(new Flextell()), used)).toEqual([]);
	});

	it('the Flextell Trigger: no parameter is left at its default in all of them', () => {
		const trigger = new FlextellTrigger();
		const defaults = parameterDefaults(trigger);
		defaults.set('pollTimes', [{ item: [{ mode: 'everyMinute' }] }, {}]);
		expect(unset(defaults, usedValues(TRIGGER_TYPE))).toEqual([]);
	});
});

/** The expected file, one output item or request to a line, so that a review reads it. */
function format(expected: Expected): string {
	const line = (v: unknown) => JSON.stringify(v);
	const list = (values: unknown[], indent: string) => (values.length ? `[\n${values.map((v) => indent + '  ' + line(v)).join(',\n')}\n${indent}]` : '[]');
	const parts = [`  "release": ${line(expected.release)}`, `  "given": ${line(expected.given)}`];
	if (expected.outputs) {
		const nodes = Object.entries(expected.outputs).map(([name, outputs]) =>
			Array.isArray(outputs) ? `    ${line(name)}: [\n${outputs.map((items) => '      ' + list(items, '      ')).join(',\n')}\n    ]` : `    ${line(name)}: ${line(outputs)}`,
		);
		parts.push(`  "outputs": {\n${nodes.join(',\n')}\n  }`);
	}
	if (expected.requests) parts.push(`  "requests": ${list(expected.requests, '  ')}`);
	if (expected.polls) {
		const polls = expected.polls.map((p) => {
			const head = Object.entries(p).filter(([k]) => k !== 'output' && k !== 'requests').map(([k, v]) => `"${k}": ${line(v)}`);
			const output = p.output === null ? 'null' : list(p.output ?? [], '      ');
			return `    {\n      ${head.join(', ')},\n      "output": ${output},\n      "requests": ${list(p.requests ?? [], '      ')}\n    }`;
		});
		parts.push(`  "polls": [\n${polls.join(',\n')}\n  ]`);
	}
	return `{\n${parts.join(',\n')}\n}\n`;
}
