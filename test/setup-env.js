// Runs before each test file: n8n-core writes its instance settings under N8N_USER_FOLDER, so
// every test process gets a throwaway one; and n8n's own logging stays quiet.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (!process.env.N8N_USER_FOLDER || !process.env.N8N_USER_FOLDER.includes('flextell-jest-')) {
	// This test file's own folder, removed after its tests (test/cleanup-env.js).
	process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-jest-'));
	process.env.FLEXTELL_JEST_OWN_FOLDER = process.env.N8N_USER_FOLDER;
}
process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
process.env.N8N_ENCRYPTION_KEY = process.env.N8N_ENCRYPTION_KEY || 'flextell-test-encryption-key';
