// `npm run example` names each output of a node as n8n does (scripts/lib/examples.js): the error
// output only where On Error sends items there, a Filter's outputs by the names its type gives.
'use strict';
const { outputLabels } = require('../../scripts/lib/examples');

test("a Filter's second output is its Discarded output, not an error output", () => {
	expect(outputLabels({ name: 'High priority only', type: 'n8n-nodes-base.filter' }, ['Kept', 'Discarded'], 2)).toEqual(['Kept output', 'Discarded output']);
});

test('with On Error "Continue (using error output)" the last output is the error output', () => {
	expect(outputLabels({ name: 'Get contact', onError: 'continueErrorOutput' }, [], 2)).toEqual(['success output', 'error output']);
	expect(outputLabels({ name: 'Keep', onError: 'continueErrorOutput' }, ['Kept', 'Discarded'], 3)).toEqual(['Kept output', 'Discarded output', 'error output']);
});

test('without names from n8n: one output needs no label, more are numbered, none called an error output', () => {
	expect(outputLabels({ name: 'Flextell' }, [], 1)).toEqual(['']);
	expect(outputLabels({ name: 'Switch' }, [], 3)).toEqual(['output 0', 'output 1', 'output 2']);
	expect(outputLabels({ name: 'Flextell', onError: 'continueRegularOutput' }, [], 2)).toEqual(['output 0', 'output 1']);
});
