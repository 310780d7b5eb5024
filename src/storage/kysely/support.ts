// Small helpers shared by the Kysely stores: value conversions, transactions, paging cursors and
// the mapping of driver errors (SQLite and PostgreSQL) onto PssoError.
import type { Kysely } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import { principalNameKey, type Page } from '../ports.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;

/** Runs fn in a transaction, or inside the caller's one if db is already bound to a transaction. */
export function inTx<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

// Drivers return Buffer; callers compare and hash plain Uint8Array, so copy into one.
export const fromBytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);
export const fromBytesOrNull = (b: Uint8Array | null): Uint8Array | null => (b === null ? null : fromBytes(b));
// Both drivers bind Buffer reliably; a Buffer view over the caller's bytes avoids a copy.
export const toBytes = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
export const toBytesOrNull = (b: Uint8Array | null): Buffer | null => (b === null ? null : toBytes(b));

export const toBool = (b: boolean): number => (b ? 1 : 0);
export const fromBool = (n: number): boolean => Number(n) !== 0;

export const toJsonList = (a: string[]): string => JSON.stringify(a);
export const fromJsonList = (s: string): string[] => JSON.parse(s) as string[];

/** Case-insensitive key for user principal names; the same rule on every engine. */
export const upnKey = principalNameKey;

export const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1) throw new PssoError('malformed_request', 'page limit must be a positive integer');
  return Math.min(limit, MAX_PAGE);
}

/**
 * Retention deletes are bounded: `delete ... where key in (select key ... limit n)` works the same on
 * SQLite and PostgreSQL, and keeps each statement's locks short however much has piled up.
 */
export function purgeLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new PssoError('malformed_request', 'purge limit must be a positive integer');
  return limit;
}

/** Cursors are the last id seen, base64url-encoded so callers treat them as opaque. */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** Builds a page from rows fetched with limit + 1, so a full last page does not yield an empty next one. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next: more && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

export function isUniqueViolation(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Names the violated constraint or column, from pg's `constraint` field or SQLite's message. */
export function violatedConstraint(e: unknown): string {
  const err = e as DriverError | null;
  if (typeof err?.constraint === 'string') return err.constraint;
  return typeof err?.message === 'string' ? err.message : '';
}

/** Turns constraint violations into catalogue errors so no raw driver error leaves storage. */
export function mapWriteError(e: unknown, what: string): unknown {
  if (isUniqueViolation(e)) return new PssoError('conflict', what);
  if (isForeignKeyViolation(e)) return new PssoError('resource_not_found', `${what} refers to a missing row`);
  return e;
}

/** Runs a write, rethrowing constraint violations as PssoError. */
export async function guardWrite<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw mapWriteError(e, what);
  }
}
