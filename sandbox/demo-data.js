// @ts-check
'use strict';
// The demo's records: 20 contacts (examples 02-04) and 6 tickets (example 01). Loaded by
// `npm run sandbox -- --seed` and by `npm run demo`.

const FIRST = ['Ada', 'Alan', 'Barbara', 'Claude', 'Dennis', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan', 'John', 'Ken', 'Linus', 'Margaret', 'Niklaus', 'Radia', 'Sophie', 'Tim', 'Vint', 'Whitfield'];
const LAST = ['Lovelace', 'Turing', 'Liskov', 'Shannon', 'Ritchie', 'Dijkstra', 'Allen', 'Hopper', 'Lamarr', 'Sutherland', 'Backus', 'Thompson', 'Torvalds', 'Hamilton', 'Wirth', 'Perlman', 'Wilson', 'Berners-Lee', 'Cerf', 'Diffie'];

/** @returns {{ contacts: Record<string, unknown>[], tickets: Record<string, unknown>[] }} */
function demoData() {
	const contacts = FIRST.map((first, i) => ({
		name: `${first} ${LAST[i]}`,
		email: `${first.toLowerCase()}@example.com`,
		status: i % 3 === 0 ? 'lead' : 'customer',
	}));
	const tickets = [
		{ subject: 'Invoice shows the wrong VAT rate', status: 'open', priority: 'high' },
		{ subject: 'Cannot log in after password reset', status: 'open', priority: 'high' },
		{ subject: 'Feature request: dark mode', status: 'open', priority: 'low' },
		{ subject: 'Export to CSV is slow', status: 'open', priority: 'normal' },
		{ subject: 'Typo on the pricing page', status: 'closed', priority: 'low' },
		{ subject: 'Webhook retries never stop', status: 'open', priority: 'high' },
	];
	return { contacts, tickets };
}

/**
 * Seeds the demo's records into a sandbox.
 * @param {{ seed: (collection: string, records: Record<string, unknown>[]) => unknown[] }} sandbox
 * @returns {{ contacts: number, tickets: number }} how many of each
 */
function seedDemoData(sandbox) {
	const { contacts, tickets } = demoData();
	sandbox.seed('contacts', contacts);
	sandbox.seed('tickets', tickets);
	return { contacts: contacts.length, tickets: tickets.length };
}

module.exports = { demoData, seedDemoData };
