// Public surface of the Graph client: token providers (secret or certificate), the client and its errors.
export { GraphClient, GRAPH_BASE, mapLimit, type GraphClientOptions, type GraphCollection } from './graph-client.js';
export { GraphError } from './graph-error.js';
export {
  ClientCredentialsTokenProvider, entraTokenUrl, staticToken, ENTRA_LOGIN_BASE, GRAPH_SCOPE,
  type ClientCredentialsOptions, type TokenProvider,
} from './token-provider.js';
export { buildClientAssertion, type CertificateCredential } from './client-assertion.js';
