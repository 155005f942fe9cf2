/**
 * Node's codes for a TLS certificate that could not be verified: attempt.ts classifies a failure
 * by them and errors.ts words it. Never retried, and never worked around: the token must only go
 * to a host that proves it is the credential's. Pure.
 */
const TLS_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'CERT_UNTRUSTED',
	'CERT_REVOKED',
	'CERT_SIGNATURE_FAILURE',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isTlsCertificateCode(code: string): boolean {
	return TLS_CERTIFICATE_CODES.has(code);
}
