// Smart card method: validates the card certificate chain against configured trusted CAs and maps
// the certificate to a user (a registered certificate first, then the configured SAN/subject rule).

import { X509Certificate } from 'node:crypto';
import { x509 } from './x509.js';
import type { AppContext } from './context.js';
import type { Device, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { sha256Hex } from './ids.js';

export function verifySmartCardChain(ctx: AppContext, x5c: Buffer[]): X509Certificate {
  if (ctx.smartCardCas.length === 0) throw new PssoError('certificate_untrusted', 'no trusted smart card CAs configured');
  const now = new Date(ctx.clock.now());
  const chain = x5c.map((der) => {
    try { return new X509Certificate(der); } catch { throw new PssoError('malformed_assertion', 'x5c is not DER X.509'); }
  });
  for (const c of chain) {
    if (new Date(c.validFrom) > now || new Date(c.validTo) < now) throw new PssoError('certificate_untrusted', `${c.subject} outside validity`);
  }
  // Walk leaf → intermediates; stop as soon as one is issued by a trusted CA.
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    const anchor = ctx.smartCardCas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (anchor) {
      if (new Date(anchor.validTo) < now) throw new PssoError('certificate_untrusted', 'trusted CA expired');
      return chain[0]!;
    }
    const next = chain[i + 1];
    if (!next || !cert.checkIssued(next) || !cert.verify(next.publicKey) || !next.ca) break;
  }
  throw new PssoError('certificate_untrusted');
}

function mappedName(ctx: AppContext, cert: X509Certificate): string | undefined {
  const rule = ctx.config.smartCard.userMapping;
  if (rule === 'subject-cn') return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  const parsed = new x509.X509Certificate(cert.raw);
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return undefined;
  for (const name of san.names.items) {
    if (rule === 'email-san' && name.type === 'email') return name.value;
    if (rule === 'upn-san' && name.type === 'upn') return name.value;
  }
  return undefined;
}

export async function userForCertificate(ctx: AppContext, device: Device, cert: X509Certificate, username: string): Promise<User> {
  const user = await ctx.store.users.getByPrincipalName(device.orgId, username);
  if (!user) throw new PssoError('assertion_invalid', 'unknown user');
  const reg = await ctx.store.userRegistrations.get(device.id, user.id);
  if (reg?.method === 'smart_card' && reg.certificateThumbprint) {
    if (reg.certificateThumbprint !== sha256Hex(cert.raw)) throw new PssoError('assertion_invalid', 'not the registered card');
    return user;
  }
  const name = mappedName(ctx, cert);
  if (!name || name.toLowerCase() !== user.userPrincipalName.toLowerCase()) {
    throw new PssoError('assertion_invalid', 'certificate does not name this user');
  }
  return user;
}
