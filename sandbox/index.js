// @ts-check
'use strict';
// The Flextell sandbox: a local HTTPS imitation of the Flextell REST API. See README.md.

const { startSandbox, Sandbox } = require('./sandbox');
const { makeCertificate } = require('./cert');

module.exports = { startSandbox, makeCertificate, Sandbox };
