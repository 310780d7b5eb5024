// oidc-provider prints two warnings OpenPSSO expects and documents (docs/oidc.md): "Unsupported
// runtime" on Node 20 when it is imported (it targets Node 22; OpenPSSO supports and tests Node 20),
// and, once, that the request body was read before it (mount.ts reads it to check UTF-8 and to admit
// the client through the credential guard). Left alone they would reach every CLI command's stderr.
// Imported before oidc-provider by every module that loads it; every other warning passes through.

const EXPECTED = [/^oidc-provider WARNING: Unsupported runtime\./, /^oidc-provider WARNING: already parsed request body detected/];

const original = console.warn;
const KEY = Symbol.for('openpsso.oidcQuietWarnings');
const g = globalThis as unknown as Record<symbol, boolean>;
if (!g[KEY]) {
  g[KEY] = true;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && EXPECTED.some((r) => r.test(args[0] as string))) return;
    original(...args);
  };
}
