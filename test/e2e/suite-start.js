// @ts-check
// The start the e2e suites share (one n8n per suite, `npm run test:e2e`): the n8n line under test
// installed, the package packed (test/e2e/run.js's pack in FLEXTELL_E2E_PACK_DIR, or one of the
// suite's own), the sandbox started, and a temp folder for the suite's n8n user folders; and the
// end they share (endSuite).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { isInstalled } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');

/**
 * @param {string} version the n8n line under test
 * @param {string} tempName the temp folder's name: flextell-e2e-<tempName>-<version>-…
 * @param {Record<string, any>} [sandboxOptions] beside port 0, a 900-s lifetime and quiet
 * @returns {Promise<{ packDir: string, ownPack: string | undefined, sb: any, work: string }>} ownPack:
 *   the pack this suite made (its parent folder is the suite's to remove), undefined when run.js packed
 */
async function startSuite(version, tempName, sandboxOptions = {}) {
	if (!isInstalled(version)) {
		throw new Error(`n8n ${version} is not installed: run \`node scripts/ensure-n8n.js ${version}\` (npm run test:e2e does it)`);
	}
	const ownPack = process.env.FLEXTELL_E2E_PACK_DIR ? undefined : n8n.packPackage();
	const packDir = process.env.FLEXTELL_E2E_PACK_DIR || /** @type {string} */ (ownPack);
	const { startSandbox } = require('../../sandbox');
	const sb = await startSandbox({ port: 0, lifetimeSeconds: 900, quiet: true, ...sandboxOptions });
	const work = fs.mkdtempSync(path.join(os.tmpdir(), `flextell-e2e-${tempName}-${version}-`));
	return { packDir, ownPack, sb, work };
}

/**
 * The end the e2e suites share: the sandbox closed, the temp folder removed (kept with
 * FLEXTELL_E2E_KEEP=1, to read n8n's files after a failure) and the suite's own pack removed.
 * Whatever the start did not reach is undefined and skipped.
 * @param {{ sb?: any, work?: string, ownPack?: string }} started
 */
async function endSuite({ sb, work, ownPack }) {
	await sb?.close();
	if (work && !process.env.FLEXTELL_E2E_KEEP) fs.rmSync(work, { recursive: true, force: true });
	if (ownPack) fs.rmSync(path.dirname(ownPack), { recursive: true, force: true });
}

module.exports = { startSuite, endSuite };
