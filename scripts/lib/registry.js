// @ts-check
// A local npm registry standing in for npmjs.org, for the installer suite (test/e2e/installer.e2e.test.js):
//   - Verdaccio (a devDependency) on 127.0.0.1, its storage in a temp folder, no uplinks: it serves
//     only what was published to it;
//   - a loopback proxy for npm's `https-proxy`: it answers a CONNECT to registry.npmjs.org:443 with a
//     throw-away certificate for that host name and forwards each request to Verdaccio; it refuses
//     every other host and records what was asked;
//   - an npm user config file (`https-proxy`, `cafile`, its own cache) for the npm that n8n runs.
// n8n 2.40.7 refuses N8N_COMMUNITY_PACKAGES_REGISTRY without an enterprise licence, so n8n keeps its
// default registry name and only its npm is pointed elsewhere, through `npm_config_userconfig`.
// Proxy settings as npm_config_* / HTTPS_PROXY environment variables would reach n8n's own HTTP
// clients too (the node's requests would then go to the proxy): npmEnv() strips them.
// Nothing here is imported by shipped code.
'use strict';
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { freePort, startProcess, waitFor } = require('./processes');

const ROOT = path.resolve(__dirname, '..', '..');
const REGISTRY_HOST = 'registry.npmjs.org';

/**
 * A self-signed certificate for one host name (1 day), made with `openssl` into dir.
 * @param {string} dir @param {string} host
 */
function hostCertificate(dir, host) {
	const certPath = path.join(dir, `${host}.pem`);
	const keyPath = path.join(dir, `${host}.key`);
	// prettier-ignore
	execFileSync('openssl', [
		'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
		'-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', keyPath, '-out', certPath,
	], { stdio: ['ignore', 'ignore', 'pipe'] });
	return { certPath, keyPath };
}

/**
 * The environment for a process whose npm must use only `userconfig`: every npm_config_* / npm_package_*
 * variable an outer `npm run` exported is dropped (they override a user config file), and no proxy
 * variable is set; then npm_config_userconfig names the file.
 * @param {NodeJS.ProcessEnv | Record<string,string>} env @param {string} userconfig
 * @returns {Record<string,string>}
 */
function npmEnv(env, userconfig) {
	/** @type {Record<string,string>} */
	const out = {};
	for (const [k, v] of Object.entries(env)) {
		if (v === undefined) continue;
		if (/^npm_(config|package|lifecycle)_/i.test(k) || /^(https?|all|no)_proxy$/i.test(k)) continue;
		out[k] = v;
	}
	out.npm_config_userconfig = userconfig;
	return out;
}

/**
 * Starts Verdaccio and the proxy in dir (a temp folder the caller removes after stop()), in steps:
 * Verdaccio, a user to publish with, the proxy, the user config that points npm at the proxy.
 * @param {{ dir: string, logFile?: string }} o
 */
async function startLocalRegistry(o) {
	const dir = o.dir;
	const port = await freePort();
	const url = `http://127.0.0.1:${port}/`;
	const verdaccio = await startVerdaccio(dir, port, o.logFile);
	const publishConfig = await publisherConfig(dir, port, verdaccio);
	const { certPath, keyPath } = hostCertificate(dir, REGISTRY_HOST);
	const { proxy, tls, proxyPort, connects, requests } = await startTunnel(port, { certPath, keyPath });
	const userconfig = userConfig(dir, proxyPort, certPath);

	return {
		url,
		userconfig,
		/** Hosts npm asked the proxy to tunnel to, in order. */
		connects,
		/** Requests forwarded to Verdaccio, in order. */
		requests,
		/** @param {Record<string,string>|NodeJS.ProcessEnv} env */
		env: (env) => npmEnv(env, userconfig),
		/**
		 * `npm publish` of a package folder (its package.json as it is) to Verdaccio, under a dist-tag.
		 * @param {string} folder @param {string} [tag] default `latest`
		 */
		publish(folder, tag = 'latest') {
			const r = spawnSync('npm', ['publish', folder, '--ignore-scripts', '--tag', tag, '--registry', url, '--userconfig', publishConfig], {
				cwd: dir,
				encoding: 'utf8',
				env: npmEnv(process.env, publishConfig),
				timeout: 120_000,
			});
			if (r.status !== 0) throw new Error(`npm publish ${folder} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
			return r;
		},
		/**
		 * `npm <args>` through the local registry as a user's npm would run it (the user config above),
		 * without blocking: the proxy runs in this process.
		 * @param {string[]} args @param {{ cwd: string, timeoutMs?: number }} o
		 */
		npm: (args, o) => npmAsync(args, o, userconfig),
		/** Stops the proxy and Verdaccio. */
		async stop() {
			proxy.closeAllConnections?.();
			await new Promise((r) => proxy.close(() => r(undefined)));
			tls.closeAllConnections?.();
			tls.close();
			await verdaccio.stop('SIGTERM', 5000);
		},
		verdaccio,
	};
}

/**
 * Verdaccio on 127.0.0.1:port, its storage in dir, no uplinks (nothing but what is published
 * there); ready once it answers its ping (stopped again when it does not).
 * @param {string} dir @param {number} port @param {string} [logFile]
 */
async function startVerdaccio(dir, port, logFile) {
	fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
	const url = `http://127.0.0.1:${port}/`;
	const config = path.join(dir, 'verdaccio.yaml');
	fs.writeFileSync(
		config,
		[
			`storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
			`plugins: ${JSON.stringify(path.join(dir, 'plugins'))}`,
			'auth:',
			'  htpasswd:',
			`    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
			'uplinks: {}', // nothing but what is published here
			'packages:',
			"  '**':",
			'    access: $all',
			'    publish: $authenticated',
			'    unpublish: $authenticated',
			'web:',
			'  enable: false',
			'middlewares:',
			'  audit:',
			'    enabled: false',
			'log: { type: stdout, format: json, level: warn }',
			'',
		].join('\n'),
	);
	const verdaccio = startProcess(process.execPath, [path.join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
		cwd: dir,
		env: { ...npmEnv(process.env, path.join(dir, 'none.npmrc')), HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
		logFile,
	});
	try {
		await waitFor(
			`Verdaccio at ${url}`,
			async () => {
				if (verdaccio.exited()) throw new Error(`Verdaccio exited:\n${verdaccio.output().slice(-3000)}`);
				try {
					const r = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) });
					await r.arrayBuffer();
					return r.ok;
				} catch {
					return false;
				}
			},
			{ timeoutMs: 60_000 },
		);
	} catch (e) {
		await verdaccio.stop('SIGKILL', 1000);
		throw e;
	}
	return verdaccio;
}

/**
 * A user for publishing (Verdaccio's htpasswd plugin registers it and hands back a token), and the
 * npm config file that publishes with its token (Verdaccio stopped when that fails).
 * @param {string} dir @param {number} port @param {{ stop: (signal: NodeJS.Signals, ms: number) => Promise<unknown> }} verdaccio
 */
async function publisherConfig(dir, port, verdaccio) {
	const url = `http://127.0.0.1:${port}/`;
	const user = { name: 'flextell-ci', password: 'flextell-ci-password' };
	const added = await fetch(`${url}-/user/org.couchdb.user:${user.name}`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ _id: `org.couchdb.user:${user.name}`, name: user.name, password: user.password, type: 'user', roles: [], date: new Date().toISOString() }),
	});
	const addedBody = /** @type {{ token?: string }} */ (await added.json().catch(() => ({})));
	if (!added.ok || !addedBody.token) {
		await verdaccio.stop('SIGKILL', 1000);
		throw new Error(`adding a user to Verdaccio failed: ${added.status} ${JSON.stringify(addedBody)}`);
	}
	const publishConfig = path.join(dir, 'publish.npmrc');
	fs.writeFileSync(
		publishConfig,
		[`registry=${url}`, `//127.0.0.1:${port}/:_authToken=${addedBody.token}`, `cache=${path.join(dir, 'npm-cache')}`, 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n'),
	);
	return publishConfig;
}

/**
 * The proxy: CONNECT registry.npmjs.org:443 → TLS with the throw-away certificate → Verdaccio on
 * port; every other host refused. Records what it was asked.
 * @param {number} port Verdaccio's @param {{ certPath: string, keyPath: string }} cert
 */
async function startTunnel(port, cert) {
	/** @type {string[]} */ const connects = [];
	/** @type {{ method: string, url: string, status: number }[]} */ const requests = [];
	const tls = https.createServer({ key: fs.readFileSync(cert.keyPath), cert: fs.readFileSync(cert.certPath) }, (req, res) => {
		const entry = { method: String(req.method), url: String(req.url), status: 0 };
		requests.push(entry);
		const up = http.request(
			{ host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, host: REGISTRY_HOST, 'x-forwarded-proto': 'https' } },
			(r) => {
				entry.status = r.statusCode ?? 0;
				res.writeHead(r.statusCode ?? 502, r.headers);
				r.pipe(res);
			},
		);
		up.on('error', (e) => {
			entry.status = 502;
			res.writeHead(502).end(String(e));
		});
		req.pipe(up);
	});
	tls.on('tlsClientError', () => {});
	const proxy = http.createServer((_req, res) => res.writeHead(405).end('this proxy only tunnels to the local registry\n'));
	proxy.on('connect', (req, socket, head) => {
		connects.push(String(req.url));
		socket.on('error', () => {});
		if (req.url !== `${REGISTRY_HOST}:443`) {
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		if (head.length) socket.unshift(head);
		tls.emit('connection', socket);
	});
	/** @type {number} */
	const proxyPort = await new Promise((resolve, reject) => {
		proxy.once('error', reject);
		proxy.listen(0, '127.0.0.1', () => resolve(/** @type {import('node:net').AddressInfo} */ (proxy.address()).port));
	});
	return { proxy, tls, proxyPort, connects, requests };
}

/**
 * What n8n's npm (and a user's npm in the manual route) reads instead of ~/.npmrc: the registry
 * through the proxy, trusting its certificate.
 * @param {string} dir @param {number} proxyPort @param {string} certPath
 */
function userConfig(dir, proxyPort, certPath) {
	const userconfig = path.join(dir, 'user.npmrc');
	fs.writeFileSync(
		userconfig,
		[
			`registry=https://${REGISTRY_HOST}/`,
			`https-proxy=http://127.0.0.1:${proxyPort}/`,
			`proxy=http://127.0.0.1:${proxyPort}/`,
			`cafile=${certPath}`,
			`cache=${path.join(dir, 'npm-cache')}`,
			'audit=false',
			'fund=false',
			'update-notifier=false',
			'',
		].join('\n'),
	);
	return userconfig;
}

/**
 * `npm <args>` with a user config, without blocking (killed after timeoutMs, default 3 min).
 * @param {string[]} args @param {{ cwd: string, timeoutMs?: number }} o @param {string} userconfig
 * @returns {Promise<{ status: number|null, stdout: string, stderr: string }>}
 */
function npmAsync(args, o, userconfig) {
	return new Promise((resolve, reject) => {
		const child = spawn('npm', args, { cwd: o.cwd, env: npmEnv(process.env, userconfig), stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 180_000);
		child.on('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
		child.on('close', (status) => {
			clearTimeout(timer);
			resolve({ status, stdout, stderr });
		});
	});
}

/**
 * A copy of a packed package folder with package.json changed (version, n8n.nodes, …): what a next
 * release would publish. @param {string} packDir @param {string} to @param {(pkg: any) => void} edit
 */
function editedPackage(packDir, to, edit) {
	fs.cpSync(packDir, to, { recursive: true });
	const file = path.join(to, 'package.json');
	const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
	edit(pkg);
	fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
	return to;
}

module.exports = { startLocalRegistry, editedPackage, npmEnv, REGISTRY_HOST };
