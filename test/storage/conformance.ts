// The storage conformance suite: every adapter runs the same cases against a fresh store per test.
import { describe } from 'node:test';
import { applicationCases } from './conformance/applications.js';
import { deviceCases } from './conformance/devices.js';
import type { MakeStore } from './conformance/fixtures.js';
import { identityCases } from './conformance/identity.js';
import { mfaCases } from './conformance/mfa.js';
import { oidcArtefactCases } from './conformance/oidc-artefacts.js';
import { organisationProfileCases } from './conformance/organisation-profile.js';
import { policyCases } from './conformance/policies.js';
import { refreshFamilyCases } from './conformance/refresh-family.js';
import { sealedValueCases } from './conformance/sealed-values.js';
import { sessionCases } from './conformance/sessions.js';
import { guardCases } from './conformance/guard.js';
import { signInLogCases } from './conformance/sign-in-logs.js';
import { tokenCases } from './conformance/tokens.js';
import { transactionCases } from './conformance/transactions.js';
import { userDeletionCases } from './conformance/user-deletion.js';
import { webLoginCases } from './conformance/web-login.js';

export type { MakeStore } from './conformance/fixtures.js';

/** Registers the whole suite under `name`; makeStore must return an empty, migrated store. */
export function runStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`${name} store conformance`, () => {
    identityCases(makeStore);
    organisationProfileCases(makeStore);
    deviceCases(makeStore);
    tokenCases(makeStore);
    refreshFamilyCases(makeStore);
    transactionCases(makeStore);
    signInLogCases(makeStore);
    policyCases(makeStore);
    mfaCases(makeStore);
    sessionCases(makeStore);
    guardCases(makeStore);
    sealedValueCases(makeStore);
    userDeletionCases(makeStore);
    oidcArtefactCases(makeStore);
    webLoginCases(makeStore);
    applicationCases(makeStore);
  });
}
