// @ts-check
'use strict';
// The request log: one record per request (API, OAuth and control alike), in arrival order.
// Tests read it to prove when a request arrived, what it carried and how it was answered.

/**
 * @typedef {Object} LogRecord
 * @property {number} seq            1, 2, 3, … over the sandbox's whole life (clearing keeps counting)
 * @property {number} time           arrival, ms since epoch with fractions
 * @property {string} method
 * @property {string} path           without the query string
 * @property {string} target         the request target exactly as received: path and query string
 * @property {Record<string, string>} query
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {unknown} body          parsed JSON / form fields, else the raw text, else null
 * @property {number | null} status  null while unanswered or when the connection was dropped
 * @property {string | null} token   the bearer token sent, if any
 * @property {boolean} early         arrived before the Retry-After moment its token was given
 * @property {string | null} fault   kind of the injected fault applied to it, if any
 * @property {boolean} [control]     true for /_sandbox requests
 */

const DEFAULT_MAX_RECORDS = 100_000;

class RequestLog {
	/** @param {number} [maxRecords]  older records are dropped beyond this */
	constructor(maxRecords = DEFAULT_MAX_RECORDS) {
		this.maxRecords = maxRecords;
		/** @type {LogRecord[]} */
		this.records = [];
		this.seq = 0;
	}

	/**
	 * Starts a record for a request that has just arrived.
	 * @param {Omit<LogRecord, 'seq' | 'status' | 'early' | 'fault'>} fields
	 * @returns {LogRecord}
	 */
	add(fields) {
		/** @type {LogRecord} */
		const record = {
			seq: ++this.seq,
			time: fields.time,
			method: fields.method,
			path: fields.path,
			target: fields.target,
			query: fields.query,
			headers: fields.headers,
			body: fields.body,
			status: null,
			token: fields.token,
			early: false,
			fault: null,
		};
		if (fields.control) record.control = true;
		this.records.push(record);
		if (this.records.length > this.maxRecords * 1.1) {
			this.records.splice(0, this.records.length - this.maxRecords);
		}
		return record;
	}

	/**
	 * @param {number} seq
	 * @returns {LogRecord[]} the records after `seq`
	 */
	since(seq) {
		return this.records.filter((record) => record.seq > seq);
	}

	/** Empties the log in place (arrays handed out before stay the live log). */
	clear() {
		this.records.length = 0;
	}
}

/** @returns {number} ms since epoch, with sub-ms precision */
function preciseNow() {
	return performance.timeOrigin + performance.now();
}

module.exports = { RequestLog, preciseNow };
