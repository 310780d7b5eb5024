// The two storage back ends a server-level test runs on: SQLite always, PostgreSQL in its own
// throwaway schema when reachable (skipped with the reason otherwise; a failure when
// OPENPSSO_TEST_PG is set, as CI does).

import { randomBytes } from 'node:crypto';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from './postgres.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Reason to skip, or false. */
  skip: string | false;
  /** Fails the test when PostgreSQL was required but is unreachable. */
  check(): void;
  /** startTestServer overrides for this back end (a fresh schema per call on PostgreSQL). */
  overrides(): Record<string, unknown>;
  /** Drops what overrides() created. */
  cleanup(): Promise<void>;
}

const reason = await pgUnreachableReason();

export function backends(): Backend[] {
  const schemas: string[] = [];
  return [
    { name: 'sqlite', skip: false, check: () => undefined, overrides: () => ({}), cleanup: async () => undefined },
    {
      name: 'postgres',
      skip: reason !== null && !configuredPg ? `${reason}; set OPENPSSO_TEST_PG to run it` : false,
      check: () => { if (reason !== null) throw new Error(reason); },
      overrides: () => {
        const schema = `openpsso_t_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        return { database: { kind: 'postgres', url: pgUrl, schema } };
      },
      cleanup: async () => { if (reason === null) for (const s of schemas.splice(0)) await dropPgSchema(s); },
    },
  ];
}
