import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * OAuth 2.0 credential for the Flextell API. It extends n8n's `oAuth2Api`, so n8n runs the
 * authorization flow, stores the tokens and refreshes them when Flextell answers 401.
 *
 * Flextell's OAuth page is not public yet: the authorization and token URLs are ordinary fields
 * with defaults on the Flextell host, so they can be corrected without a new release.
 */
export class FlextellOAuth2Api implements ICredentialType {
	name = 'flextellOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Flextell OAuth2 API';

	icon: Icon = { light: 'file:../icons/flextell.svg', dark: 'file:../icons/flextell.dark.svg' };

	documentationUrl = 'https://github.com/flextell/n8n-nodes-flextell#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'options',
			options: [
				{ name: 'Authorization Code', value: 'authorizationCode' },
				{ name: 'Authorization Code with PKCE', value: 'pkce' },
				{ name: 'Client Credentials', value: 'clientCredentials' },
			],
			default: 'authorizationCode',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://dev.flextell.ai/api',
			required: true,
			placeholder: 'https://dev.flextell.ai/api',
			description:
				'Root of the Flextell API, without the version. Must start with https:// — Flextell rejects plain HTTP and the node refuses to send the token over it.',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: 'v0.0.1',
			required: true,
			description: 'Version segment placed after the Base URL in every request, e.g. v0.0.1',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'string',
			default: 'https://dev.flextell.ai/oauth/authorize',
			required: true,
			displayOptions: { show: { grantType: ['authorizationCode', 'pkce'] } },
			hint: "Take it from Flextell's OAuth 2.0 Flow page if it differs from this default",
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: 'https://dev.flextell.ai/oauth/token',
			required: true,
			hint: "Take it from Flextell's OAuth 2.0 Flow page if it differs from this default",
		},
		{
			// n8n's own oAuth2Api field, unchanged but for the hint
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			hint: 'A public client (PKCE, no secret): switch this field to Expression and enter {{ "" }}. n8n will not save the field empty; the expression resolves to empty, and n8n then sends no secret, only the client ID and the PKCE verifier.',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			default: 'read write',
			description: 'Space-separated scopes to request. Flextell answers 403 when the token lacks the scope an action needs.',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{
					name: 'Header',
					value: 'header',
					description: 'Send the client ID and secret as an HTTP Basic Authorization header',
				},
				{
					name: 'Body',
					value: 'body',
					description: 'Send the client ID and secret in the token request body',
				},
			],
			default: 'header',
			description: 'How n8n sends the client credentials to the token URL',
		},
	];
}
