// The pure PSSO protocol core (JOSE wire code, request verification and building), re-exported in one place (psso-protocol.md §1-§7).

export * from './base64.js';
export * from './ec-keys.js';
export * from './apple-json.js';
export * from './party-info.js';
export * from './concat-kdf.js';
export * from './jwe.js';
export * from './jws.js';
export * from './claims.js';
export * from './verify-request.js';
export * from './build-response.js';
export * from './build-request.js';
export * from './open-response.js';
export * from './web-login.js';
export * from './credential-check.js';
export * from './build-credential-check.js';
