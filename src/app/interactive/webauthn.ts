// WebAuthn relying-party settings from the issuer, and the passkey checks over @simplewebauthn/server.

import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { MfaMethodRecord } from '../../storage/ports-access.js';
import { PssoError } from '../../errors/psso-error.js';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** The passkey is bound to the issuer's host and origin, the pages' own origin. */
export function relyingParty(ctx: AppContext): { rpID: string; origin: string; rpName: string } {
  const u = new URL(ctx.config.issuer);
  return { rpID: u.hostname, origin: u.origin, rpName: 'OpenPSSO' };
}

const TIMEOUT_MS = 120_000;

export async function registrationOptions(ctx: AppContext, user: User, existing: MfaMethodRecord[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(ctx);
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.userPrincipalName,
    userDisplayName: user.displayName,
    // The user handle is the opaque user id, never the name: it is stored on the authenticator.
    userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
    attestationType: 'none',
    timeout: TIMEOUT_MS,
    excludeCredentials: existing.filter((m) => m.kind === 'passkey' && m.credentialId).map((m) => ({ id: m.credentialId!, transports: m.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

export async function authenticationOptions(ctx: AppContext, passkeys: MfaMethodRecord[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: relyingParty(ctx).rpID,
    timeout: TIMEOUT_MS,
    userVerification: 'preferred',
    allowCredentials: passkeys.filter((m) => m.credentialId).map((m) => ({ id: m.credentialId!, transports: m.transports })),
  });
}

export interface NewPasskey { credentialId: string; publicKey: Uint8Array; counter: number; transports: string[] }

/** The library throws on any mismatch (origin, rpID, challenge, signature); all of them are a failed factor. */
export async function checkRegistration(ctx: AppContext, response: RegistrationResponseJSON, challenge: string): Promise<NewPasskey> {
  const rp = relyingParty(ctx);
  let v;
  try {
    v = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false });
  } catch (e) {
    throw new PssoError('mfa_failed', `the passkey could not be registered: ${(e as Error).message}`);
  }
  if (!v.verified) throw new PssoError('mfa_failed', 'the passkey could not be registered');
  const c = v.registrationInfo.credential;
  return { credentialId: c.id, publicKey: new Uint8Array(c.publicKey), counter: c.counter, transports: c.transports ?? [] };
}

export async function checkAssertion(ctx: AppContext, response: AuthenticationResponseJSON, challenge: string, m: MfaMethodRecord): Promise<{ newCounter: number; userVerified: boolean }> {
  const rp = relyingParty(ctx);
  let v;
  try {
    v = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false,
      credential: { id: m.credentialId!, publicKey: new Uint8Array(m.publicKey!), counter: m.counter ?? 0, transports: m.transports },
    });
  } catch (e) {
    throw new PssoError('mfa_failed', `the passkey answer was not accepted: ${(e as Error).message}`);
  }
  if (!v.verified) throw new PssoError('mfa_failed', 'the passkey signature did not verify');
  return { newCounter: v.authenticationInfo.newCounter, userVerified: v.authenticationInfo.userVerified };
}
