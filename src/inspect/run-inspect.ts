// The `openpsso inspect` command: reads a message (argument, file or stdin) and key files, prints the report; exit 0 clean, 1 problems, 2 usage.

import { readFileSync, existsSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parsePublicKeyInput, publicKeyFromX963, x963FromPublicKey } from '../protocol/ec-keys.js';
import { formatInspectReport } from './format-report.js';
import { inspectMessage, type InspectKeys } from './inspect-message.js';

const USAGE = `usage: openpsso inspect <message | file | -> [options]
  --signing-key FILE     device signing key (or the user key for an embedded assertion); PEM or JWK
  --encryption-key FILE  private device encryption key (responses) or server key (encrypted assertions); PEM or JWK
  --request FILE|JWS     the request a response or assertion answers (its apv and nonces)
  --client-id ID         expected iss/client_id (and id_token aud)
  --audience URL         expected aud (token endpoint URL, or the assertion audience)
  --now EPOCH            clock in seconds (default: the current time)
  --skew SECONDS         allowed clock skew (default 60)
  --json                 print the report as JSON`;

/** A PEM (private or public), a JWK, or a bare base64 point; private wins when both would parse. */
export function loadKeyFile(path: string): KeyObject {
  const text = readFileSync(path, 'utf8').trim();
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as { d?: string };
    return jwk.d ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPublicKey({ key: jwk as never, format: 'jwk' });
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return createPrivateKey(text);
  try {
    return createPublicKey(text);
  } catch {
    return publicKeyFromX963(parsePublicKeyInput(text));
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readMessage(arg: string): Promise<string> {
  if (arg === '-') return readStdin();
  return existsSync(arg) ? readFileSync(arg, 'utf8') : arg;
}

export async function runInspect(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'signing-key': { type: 'string' }, 'encryption-key': { type: 'string' }, request: { type: 'string' },
        'client-id': { type: 'string' }, audience: { type: 'string' }, now: { type: 'string' }, skew: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  if (o.help || positionals.length !== 1) {
    (o.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return o.help ? 0 : 2;
  }
  const now = o.now !== undefined ? Number(o.now) : Math.floor(Date.now() / 1000);
  const skew = o.skew !== undefined ? Number(o.skew) : 60;
  if (!Number.isFinite(now) || !Number.isFinite(skew)) {
    process.stderr.write(`--now and --skew take seconds\n${USAGE}\n`);
    return 2;
  }
  const keys: InspectKeys = {};
  let message: string;
  let request: string | undefined;
  try {
    if (o['signing-key']) {
      const k = loadKeyFile(o['signing-key']);
      keys.deviceSigningPublic = keys.userKey = k.type === 'private' ? createPublicKey(k) : k;
    }
    if (o['encryption-key']) {
      const k = loadKeyFile(o['encryption-key']);
      // A public key still lets the apv of a request be compared; decrypting needs the private half.
      if (k.type === 'private') keys.deviceEncryptionPrivate = keys.serverEncryptionPrivate = k;
      else keys.deviceEncryptionPublic = x963FromPublicKey(k);
    }
    message = await readMessage(positionals[0]!);
    if (o.request) request = await readMessage(o.request);
  } catch (e) {
    process.stderr.write(`cannot read input: ${(e as Error).message}\n`);
    return 2;
  }
  const report = inspectMessage(message, keys, { now, skewSeconds: skew, clientId: o['client-id'], audience: o.audience, request });
  process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspectReport(report)}\n`);
  return report.problems.length === 0 ? 0 : 1;
}
