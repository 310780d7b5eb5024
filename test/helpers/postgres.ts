// PostgreSQL for tests: the server named by OPENPSSO_TEST_PG (CI sets it; unreachable is then a
// failure) or the local default, which is skipped with its reason when nothing answers.

import pg from 'pg';

export const configuredPg = process.env.OPENPSSO_TEST_PG;
export const pgUrl = configuredPg && configuredPg !== '' ? configuredPg : 'postgres://postgres@127.0.0.1:5432/test';

export async function pgUnreachableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return `PostgreSQL at ${pgUrl.replace(/\/\/[^@]*@/, '//')} unreachable: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
