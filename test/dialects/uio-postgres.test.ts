// The UiO WL-N journey (uio-journey.ts) on PostgreSQL: the dialect's nonce binding, enrolment and
// token calls through the scale-out adapter.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestServer } from '../helpers/test-server.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { uioServer } from './uio-helpers.js';
import { wlnJourney } from './uio-journey.js';

const reason = await pgUnreachableReason();

describe('UiO dialect on PostgreSQL', { skip: reason !== null && !configuredPg ? `${reason}; set OPENPSSO_TEST_PG to run it` : false }, () => {
  const schema = `openpsso_uio_${randomBytes(6).toString('hex')}`;
  let s: TestServer;
  before(async () => {
    if (reason !== null) assert.fail(reason);
    s = await uioServer({ overrides: { database: { kind: 'postgres', url: pgUrl, schema } } });
  });
  after(async () => {
    await s?.close();
    if (reason === null) await dropPgSchema(schema);
  });

  it('runs the WL-N journey', async () => {
    assert.equal(s.ctx.store.kind, 'postgres');
    await wlnJourney(s);
  });
});
