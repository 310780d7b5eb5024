// Assembles every Kysely-backed store into one Store, for any dialect; the same code serves SQLite
// and PostgreSQL, and transaction() rebuilds the stores over the transaction's connection.
import type { Store } from '../ports.js';
import { accessStores } from './access-stores.js';
import { applicationStore } from './application-store.js';
import { deviceStore } from './device-store.js';
import { groupStore } from './group-store.js';
import { migrateToLatest, pendingMigrations, type StoreKind } from './migrations.js';
import { bearerTokenStore, registrationTokenStore, serverKeyStore } from './credential-stores.js';
import { unlockKeyStore, userRegistrationStore } from './registration-stores.js';
import { sealedValueStore } from './sealed-value-store.js';
import { inTx, type Db } from './support.js';
import { nonceStore, refreshTokenStore } from './token-stores.js';
import { organisationStore, userStore } from './user-stores.js';
import { oidcArtefactStore } from './oidc-store.js';
import { directoryRoleStore, organisationDomainStore } from './organisation-profile-stores.js';
import { webLoginStores } from './web-login-stores.js';

export interface KyselyStoreOptions {
  kind: StoreKind;
  /** PostgreSQL schema holding the tables and the migration table, when not the default. */
  schema?: string;
}

function stores(db: Db, kind: StoreKind) {
  return {
    organisations: organisationStore(db),
    organisationDomains: organisationDomainStore(db),
    directoryRoles: directoryRoleStore(db),
    users: userStore(db),
    groups: groupStore(db),
    devices: deviceStore(db),
    userRegistrations: userRegistrationStore(db),
    nonces: nonceStore(db),
    refreshTokens: refreshTokenStore(db, kind),
    unlockKeys: unlockKeyStore(db),
    serverKeys: serverKeyStore(db),
    registrationTokens: registrationTokenStore(db),
    bearerTokens: bearerTokenStore(db),
    sealedValues: sealedValueStore(db),
    applications: applicationStore(db),
    ...accessStores(db),
    oidcArtefacts: oidcArtefactStore(db),
    ...webLoginStores(db),
  };
}

/** A Store bound to one transaction. Nested transaction() calls reuse it rather than nest. */
function transactionStore(trx: Db, kind: StoreKind): Store {
  const tx: Store = {
    kind,
    ...stores(trx, kind),
    transaction: (fn) => fn(tx),
    // Both would need the root connection, which a SQLite transaction is holding: fail loudly
    // instead of deadlocking.
    migrate: () => Promise.reject(new Error('migrate() cannot run inside a transaction')),
    pendingMigrations: () => Promise.reject(new Error('pendingMigrations() cannot run inside a transaction')),
    close: () => Promise.reject(new Error('close() cannot run inside a transaction')),
  };
  return tx;
}

export function createKyselyStore(db: Db, opts: KyselyStoreOptions): Store {
  return {
    kind: opts.kind,
    ...stores(db, opts.kind),
    // Inside fn, use only `tx`: on SQLite the single connection is held by the transaction, so a
    // call through the outer store would wait for it forever.
    transaction: (fn) => inTx(db, (trx) => fn(transactionStore(trx, opts.kind))),
    migrate: () => migrateToLatest(db, opts.kind, opts.schema),
    pendingMigrations: () => pendingMigrations(db, opts.kind, opts.schema),
    close: () => db.destroy(),
  };
}
