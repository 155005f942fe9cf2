// @ts-check
'use strict';
// The sandbox's TLS certificate: a self-signed EC P-256 certificate for 127.0.0.1/localhost,
// valid for two days, made with the `openssl` command. Clients trust it by pointing
// NODE_EXTRA_CA_CERTS (or the `ca` option of https.request) at cert.pem; no TLS bypasses.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';

/**
 * Writes `cert.pem` and `key.pem` into `dir` (created if missing).
 * @param {string} dir
 * @returns {{ certPath: string, keyPath: string }}
 */
function makeCertificate(dir) {
	fs.mkdirSync(dir, { recursive: true });
	const certPath = path.join(dir, CERT_FILE);
	const keyPath = path.join(dir, KEY_FILE);
	execFileSync(
		'openssl',
		[
			'req', '-x509',
			'-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
			'-nodes', '-days', '2',
			'-subj', '/CN=127.0.0.1',
			'-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
			'-keyout', keyPath,
			'-out', certPath,
		],
		{ stdio: ['ignore', 'ignore', 'pipe'] },
	);
	fs.chmodSync(keyPath, 0o600);
	return { certPath, keyPath };
}

/**
 * The certificate files in `dir`, if both exist.
 * @param {string} dir
 * @returns {{ certPath: string, keyPath: string } | null}
 */
function findCertificate(dir) {
	const certPath = path.join(dir, CERT_FILE);
	const keyPath = path.join(dir, KEY_FILE);
	return fs.existsSync(certPath) && fs.existsSync(keyPath) ? { certPath, keyPath } : null;
}

module.exports = { makeCertificate, findCertificate };
