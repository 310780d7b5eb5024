// Graph client against local fakes: Entra client-credentials token acquisition with a secret and with a certificate assertion, paging, retries, and refusing foreign nextLinks.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { x509 } from '../../src/app/x509.js';
import { entraGraphClient } from '../../src/doctor/targets.js';
import { GraphClient, GraphError, staticToken } from '../../src/graph/index.js';

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

async function rsaCertificate(): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=openpsso doctor', notBefore: new Date(Date.now() - 86400_000), notAfter: new Date(Date.now() + 86400_000), signingAlgorithm: alg, keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certificatePem: cert.toString('pem'), privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` };
}

describe('Graph client', () => {
  let server: Server;
  let base: string;
  const tokenRequests: URLSearchParams[] = [];
  let throttleOnce = true;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers }); res.end(JSON.stringify(json));
        };
        if (req.method === 'POST' && req.url === `/${TENANT}/oauth2/v2.0/token`) {
          const form = new URLSearchParams(body);
          tokenRequests.push(form);
          if (form.get('client_secret') === 'wrong') return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
          return send(200, { token_type: 'Bearer', expires_in: 3599, access_token: `tok-${tokenRequests.length}` });
        }
        if (req.headers.authorization?.startsWith('Bearer tok-') !== true) return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'no token' } });
        if (req.url === '/v1.0/users') {
          if (throttleOnce) { throttleOnce = false; return send(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': '0' }); }
          return send(200, { value: [{ id: 'a' }, { id: 'b' }], '@odata.nextLink': `${base}/v1.0/users?$skiptoken=x` });
        }
        if (req.url === '/v1.0/users?$skiptoken=x') return send(200, { value: [{ id: 'c' }] });
        if (req.url === '/v1.0/evil') return send(200, { value: [], '@odata.nextLink': 'https://attacker.example/steal' });
        return send(404, { error: { code: 'Request_ResourceNotFound', message: 'nope' } });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('gets an Entra token with a client secret (Graph .default scope) and pages with nextLink after a 429', async () => {
    const client = entraGraphClient({ tenant: TENANT, clientId: CLIENT, clientSecret: 's3cret', loginUrl: base, graphUrl: base });
    const all = await client.getAll<{ id: string }>('/v1.0/users');
    assert.deepEqual(all.items.map((u) => u.id), ['a', 'b', 'c']);
    const form = tokenRequests.at(-1)!;
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_id'), CLIENT);
    assert.equal(form.get('client_secret'), 's3cret');
    assert.equal(form.get('scope'), 'https://graph.microsoft.com/.default');
    // One token serves every page.
    assert.equal(tokenRequests.length, 1);
  });

  it('signs a client assertion with the certificate key (x5t thumbprints, aud = token endpoint)', async () => {
    const cred = await rsaCertificate();
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'openpsso-cert-'));
    writeFileSync(join(dir, 'cert.pem'), cred.certificatePem);
    writeFileSync(join(dir, 'key.pem'), cred.privateKeyPem);
    const client = entraGraphClient({ tenant: TENANT, clientId: CLIENT, certificateFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), loginUrl: base, graphUrl: base });
    await client.get('/v1.0/users?$skiptoken=x');
    const form = tokenRequests.at(-1)!;
    assert.equal(form.get('client_secret'), null);
    assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = form.get('client_assertion')!;
    const cert = new X509Certificate(cred.certificatePem);
    const header = decodeProtectedHeader(assertion);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.x5t, createHash('sha1').update(cert.raw).digest('base64url'));
    assert.equal(header['x5t#S256'], createHash('sha256').update(cert.raw).digest('base64url'));
    const { payload } = await jwtVerify(assertion, createPublicKey(cred.certificatePem), { audience: `${base}/${TENANT}/oauth2/v2.0/token`, issuer: CLIENT, subject: CLIENT });
    assert.ok(payload.jti && payload.exp! - payload.iat! <= 600);
  });

  it('reports token and Graph errors with their codes', async () => {
    const bad = entraGraphClient({ tenant: TENANT, clientId: CLIENT, clientSecret: 'wrong', loginUrl: base, graphUrl: base });
    await assert.rejects(bad.get('/v1.0/users'), (e: GraphError) => e.status === 401 && e.code === 'invalid_client' && /AADSTS7000215/.test(e.message));
    const ok = new GraphClient({ baseUrl: base, tokens: staticToken('tok-x') });
    await assert.rejects(ok.get('/v1.0/missing'), (e: GraphError) => e.status === 404 && e.code === 'Request_ResourceNotFound');
  });

  it('never follows a nextLink to another host with the token', async () => {
    const c = new GraphClient({ baseUrl: base, tokens: staticToken('tok-x') });
    await assert.rejects(c.getAll('/v1.0/evil'), (e: GraphError) => e.code === 'foreign_link');
  });
});
