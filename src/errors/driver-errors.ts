// Database driver errors that a request's input can cause, mapped onto the catalogue in one place
// (the error reply calls this). Storage already turns the expected constraint violations into
// PssoErrors where it writes (storage/kysely/support.ts guardWrite); this is the backstop for the
// ones that arrive anywhere else. Everything not listed stays a 500: a bug to fix at its source.

import { PssoError } from './psso-error.js';

interface DriverError {
  code?: unknown;
}

/**
 * PostgreSQL SQLSTATE class 22 is "data exception" (bad encoding 22021, text too long 22001,
 * number out of range 22003, unparsable value 22P02, bad date 22007/22008): the value, not the
 * server, is at fault. Class 23 is "integrity constraint violation". pg puts the SQLSTATE in
 * `code`; better-sqlite3 puts SQLite's extended result code name there.
 */
export function fromDriverError(err: unknown): PssoError | undefined {
  const code = (err as DriverError | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (/^22[0-9A-Z]{3}$/.test(code)) return new PssoError('value_not_storable', `database refused a value (SQLSTATE ${code})`);
  switch (code) {
    case '23505':
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new PssoError('conflict', 'a row with that key already exists');
    case '23502':
    case '23514':
    case 'SQLITE_CONSTRAINT_NOTNULL':
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_TOOBIG':
    case 'SQLITE_MISMATCH':
      return new PssoError('value_not_storable', `database refused a value (${code})`);
    default:
      return undefined;
  }
}
