// What a sign-in error code means for Platform SSO and what to do, keyed by Entra's AADSTS numbers (entra-mdm.md §3.5).
import { lookupError } from '../errors/catalogue.js';

export interface ErrorCodeHint {
  entra: number | null;
  name: string;
  meaning: string;
  remediation: string;
  /** Codes that point at policy configuration rather than a user's own mistake. */
  severity: 'error' | 'warning';
}

const ENTRA: Record<number, Omit<ErrorCodeHint, 'entra'>> = {
  50076: { name: 'UserStrongAuthClientAuthNRequired', severity: 'error',
    meaning: 'MFA was required in a sign-in that cannot prompt (per-user MFA or a policy on the login app).',
    remediation: 'Check the rows\' requirement source. For per-user MFA, cover the users with a conditional-access MFA policy and set per-user MFA to disabled (doctor --fix).' },
  50079: { name: 'UserStrongAuthEnrollmentRequired', severity: 'error',
    meaning: 'The user must register an MFA method, which a non-interactive sign-in cannot do.',
    remediation: 'Have the user register a method in an interactive sign-in (or issue a temporary access pass); move per-user MFA to conditional access.' },
  50072: { name: 'UserStrongAuthEnrollmentRequiredInterrupt', severity: 'warning',
    meaning: 'MFA registration interrupt in an interactive sign-in.',
    remediation: 'Normal once; if it repeats for a user, check that they can register a method.' },
  50074: { name: 'UserStrongAuthClientAuthNRequiredInterrupt', severity: 'warning',
    meaning: 'MFA prompt in an interactive sign-in that was not completed.',
    remediation: 'Normal when followed by a success; otherwise help the user with their MFA method.' },
  50078: { name: 'UserStrongAuthExpired', severity: 'warning',
    meaning: 'The MFA presented had expired by policy.', remediation: 'Expected with a sign-in frequency policy; the user signs in again interactively.' },
  53000: { name: 'DeviceNotCompliant', severity: 'error',
    meaning: 'A policy requires a compliant device and this device is not reported compliant.',
    remediation: 'Check the device\'s compliance data, or exclude the registration and login apps from the compliant-device policy.' },
  53003: { name: 'BlockedByConditionalAccess', severity: 'error',
    meaning: 'A conditional-access block (or an unmet grant) stopped the sign-in.',
    remediation: 'Look at appliedConditionalAccessPolicies on the rows, then change the policy or its exclusions.' },
  70043: { name: 'BadTokenDueToSignInFrequency', severity: 'warning',
    meaning: 'A sign-in frequency policy expired the session; the Mac must do a full sign-in.',
    remediation: 'Expected at the frequency set; if it is too frequent for the login window, raise it or exclude the Platform SSO app.' },
  50126: { name: 'InvalidUserNameOrPassword', severity: 'warning',
    meaning: 'Wrong user name or password.', remediation: 'Expected noise; many in a row may mean a password-sync loop.' },
  50053: { name: 'IdsLocked', severity: 'warning',
    meaning: 'Account locked after repeated failures.', remediation: 'Unlock the account; look for a Mac retrying an old password.' },
  50155: { name: 'DeviceAuthenticationFailed', severity: 'error',
    meaning: 'Device authentication failed (device removed, disabled or keys mismatched).', remediation: 'Repair the registration on the Mac.' },
  700003: { name: 'DeviceObjectNotFound', severity: 'error',
    meaning: 'The device was deleted.', remediation: 'Re-register the Mac (remove and re-add the profile, or Repair).' },
};

/** Accepts an Entra number or an OpenPSSO catalogue code (which names its Entra equivalent, if any). */
export function errorCodeHint(code: number): ErrorCodeHint {
  const direct = ENTRA[code];
  if (direct !== undefined) return { entra: code, ...direct };
  const entry = lookupError(code);
  if (entry !== undefined) {
    const viaEntra = entry.entra !== undefined ? ENTRA[entry.entra] : undefined;
    return {
      entra: entry.entra ?? null,
      name: entry.name,
      meaning: entry.message,
      remediation: entry.remediation,
      severity: viaEntra?.severity ?? (entry.audience === 'admin' ? 'error' : 'warning'),
    };
  }
  return { entra: null, name: 'unknown', meaning: `Error code ${code}.`, remediation: 'Look the code up (openpsso explain CODE or Entra\'s error lookup).', severity: 'warning' };
}
