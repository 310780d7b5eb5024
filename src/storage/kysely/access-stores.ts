// Builds the access-policy stores (ports-access.ts) over one Kysely connection or transaction.
import type { AccessStores } from '../ports-access.js';
import { lockoutStore, signInSessionStore } from './session-stores.js';
import { credentialGuardStore } from './guard-store.js';
import { mfaMethodStore, temporaryAccessPassStore } from './mfa-stores.js';
import { adminClientStore, namedLocationStore, orgSettingsStore, policyStore } from './policy-stores.js';
import { signInLogStore } from './sign-in-log-store.js';
import type { Db } from './support.js';

export function accessStores(db: Db): AccessStores {
  return {
    signInLogs: signInLogStore(db),
    policies: policyStore(db),
    namedLocations: namedLocationStore(db),
    mfaMethods: mfaMethodStore(db),
    temporaryAccessPasses: temporaryAccessPassStore(db),
    lockouts: lockoutStore(db),
    credentialGuard: credentialGuardStore(db),
    adminClients: adminClientStore(db),
    orgSettings: orgSettingsStore(db),
    signInSessions: signInSessionStore(db),
  };
}
