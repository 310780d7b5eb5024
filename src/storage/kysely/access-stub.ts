// Temporary placeholders for the access-policy stores so the tree typechecks while 0002_access lands.
import type { AccessStores } from '../ports-access.js';
import type { Db } from './support.js';

const todo = (): never => { throw new Error('access stores: not implemented yet (storage work in progress)'); };

export function accessStores(_db: Db): AccessStores {
  const anyStore = new Proxy({}, { get: () => todo });
  return {
    signInLogs: anyStore as AccessStores['signInLogs'],
    policies: anyStore as AccessStores['policies'],
    namedLocations: anyStore as AccessStores['namedLocations'],
    mfaMethods: anyStore as AccessStores['mfaMethods'],
    temporaryAccessPasses: anyStore as AccessStores['temporaryAccessPasses'],
    lockouts: anyStore as AccessStores['lockouts'],
    adminClients: anyStore as AccessStores['adminClients'],
    orgSettings: anyStore as AccessStores['orgSettings'],
    signInSessions: anyStore as AccessStores['signInSessions'],
  };
}
