/**
 * Where a node's parameters come from, and the one way a problem with one is reported: one input
 * item of the Flextell node, a poll of the Flextell Trigger, or an option of the whole node. The
 * readers (parameters.ts here and in each node's folder) read through a `Parameters` and fail
 * through its `fail`, which names the field, and the item where there is one.
 */
import type { IExecuteFunctions, INode, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Throws the parameter error; its message and description name the field. */
export type Fail = (message: string, description: string) => never;

/** Where parameters are read from, and how a problem with them is reported. */
export interface Parameters {
	node: INode;
	/** The input item read for; none for a poll or an option of the whole node. */
	itemIndex?: number;
	get(name: string, fallback: unknown): unknown;
	fail: Fail;
}

/** The parameters of one input item of the Flextell node. */
export function itemParameters(ctx: IExecuteFunctions, itemIndex: number): Parameters {
	const node = ctx.getNode();
	return { node, itemIndex, get: (name, fallback) => ctx.getNodeParameter(name, itemIndex, fallback), fail: failer(node, itemIndex) };
}

/** The parameters of a poll of the Flextell Trigger. */
export function pollParameters(ctx: IPollFunctions): Parameters {
	const node = ctx.getNode();
	return { node, get: (name, fallback) => ctx.getNodeParameter(name, fallback), fail: failer(node) };
}

/** An option of the whole node (read from the first item, as n8n does for such options). */
export function nodeParameters(ctx: IExecuteFunctions): Parameters {
	const node = ctx.getNode();
	return { node, get: (name, fallback) => ctx.getNodeParameter(name, 0, fallback), fail: failer(node) };
}

/** The one way a parameter problem is reported: names the item (once) when there is one. */
function failer(node: INode, itemIndex?: number): Fail {
	return (message, description) => {
		const named = itemIndex === undefined || message.includes(`item ${itemIndex}`) ? message : `${message} (item ${itemIndex})`;
		throw new NodeOperationError(node, named, { itemIndex, description });
	};
}
