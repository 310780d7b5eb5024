// Start-up warning: an enabled extension that never attests (twocanoes, Fleet) under an organisation
// that requires Apple device attestation can never register; UiO and other modes raise nothing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { setAttestationMode } from '../../src/app/admin-api/graph-device-registration-policy.js';
import { dialectAttestationConflicts } from '../../src/app/dialect-attestation-conflicts.js';

describe('extensions that cannot attest, under attestation required', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ overrides: { extensions: { fleet: { enabled: true }, uio: { enabled: true } } } }); });
  after(async () => { await s.close(); });

  it('names Fleet (enabled, never attests) only while the organisation requires attestation; never UiO or the disabled twocanoes', async () => {
    assert.deepEqual(await dialectAttestationConflicts(s.ctx), []);
    await setAttestationMode(s.ctx, s.orgId, 'preferred');
    assert.deepEqual(await dialectAttestationConflicts(s.ctx), []);
    await setAttestationMode(s.ctx, s.orgId, 'required');
    const w = await dialectAttestationConflicts(s.ctx);
    assert.equal(w.length, 1);
    assert.match(w[0]!, /^extensions\.fleet is enabled, but organisation .* requires Apple device attestation/);
    assert.match(w[0]!, new RegExp(s.orgId));
    assert.match(w[0]!, /OPSSO1871/);
  });
});
