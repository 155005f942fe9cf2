// Runs in each test file after the test framework is set up: removes the n8n user folder that
// setup-env.js made for this file, once its tests are done (a folder given from outside stays).
const fs = require('node:fs');

afterAll(() => {
	const folder = process.env.FLEXTELL_JEST_OWN_FOLDER;
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
});
