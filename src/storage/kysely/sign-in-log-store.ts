// Sign-in log store over Kysely: the Graph row as JSON plus match columns, with the $filter AST
// translated into one SQL where-expression and keyset paging newest first.
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { FilterAst, FilterOperator, SignInFilterField } from '../../policy/sign-in-filter.js';
import type { SignIn } from '../../policy/sign-in.js';
import type { SignInLogStore } from '../ports-access.js';
import type { SignInLogsTable } from './schema-access.js';
import type { DB } from './schema.js';
import { guardWrite, pageLimit, purgeLimit, toBool, upnKey, type Db } from './support.js';

type Column = Exclude<keyof SignInLogsTable, 'org_id' | 'id' | 'data'>;
type Value = string | number | boolean;

/** Case-insensitive match keys. UPNs use the users table's rule so both stores agree on a login name. */
const ciKey = (s: string): string => s.toLowerCase();

function epochMillis(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new PssoError('malformed_request', `${what} ${JSON.stringify(iso)} is not a date-time`);
  return ms;
}

/** Every filterable field has a column and a rule turning a filter value into that column's value. */
const FIELD_COLUMNS: Record<SignInFilterField, { column: Column; value: (v: Value) => string | number }> = {
  'status/errorCode': { column: 'error_code', value: (v) => Number(v) },
  createdDateTime: { column: 'created_at', value: (v) => epochMillis(String(v), 'createdDateTime') },
  userPrincipalName: { column: 'user_principal_name_key', value: (v) => upnKey(String(v)) },
  userId: { column: 'user_id', value: (v) => ciKey(String(v)) },
  appId: { column: 'app_id', value: (v) => ciKey(String(v)) },
  appDisplayName: { column: 'app_display_name_key', value: (v) => ciKey(String(v)) },
  ipAddress: { column: 'ip_address', value: (v) => ciKey(String(v)) },
  correlationId: { column: 'correlation_id', value: (v) => ciKey(String(v)) },
  id: { column: 'id_key', value: (v) => ciKey(String(v)) },
  isInteractive: { column: 'is_interactive', value: (v) => toBool(v === true) },
  conditionalAccessStatus: { column: 'conditional_access_status', value: (v) => String(v) },
  authenticationRequirement: { column: 'authentication_requirement', value: (v) => String(v) },
};

const SQL_OPERATORS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const satisfies Record<FilterOperator, string>;

/**
 * The AST as one boolean expression. Every column is NOT NULL, so SQL's three-valued logic never
 * differs from matchesFilter (ne included); values are bound parameters, never spliced.
 */
export function filterExpression(eb: ExpressionBuilder<DB, 'sign_in_logs'>, ast: FilterAst): Expression<SqlBool> {
  if (ast.kind !== 'compare') {
    const operands = ast.operands.map((a) => filterExpression(eb, a));
    return ast.kind === 'and' ? eb.and(operands) : eb.or(operands);
  }
  const spec = FIELD_COLUMNS[ast.field];
  if (spec === undefined) throw new PssoError('malformed_request', `sign-in field ${String(ast.field)} is not filterable`);
  return eb(spec.column, SQL_OPERATORS[ast.op], spec.value(ast.value));
}

/** Cursor: the (created_at, id) of the last row served, base64url JSON so callers treat it as opaque. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | null | undefined): { createdAt: number; id: string } | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { createdAt: v[0] as number, id: v[1] };
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new PssoError('malformed_request', 'invalid sign-in log cursor');
}

function columnsOf(orgId: string, row: SignIn): SignInLogsTable {
  return {
    org_id: orgId,
    id: row.id,
    data: JSON.stringify(row),
    created_at: epochMillis(row.createdDateTime, 'createdDateTime'),
    error_code: row.status.errorCode,
    id_key: ciKey(row.id),
    user_id: ciKey(row.userId),
    user_principal_name_key: upnKey(row.userPrincipalName),
    app_id: ciKey(row.appId),
    app_display_name_key: ciKey(row.appDisplayName),
    ip_address: ciKey(row.ipAddress),
    correlation_id: ciKey(row.correlationId),
    is_interactive: toBool(row.isInteractive),
    conditional_access_status: row.conditionalAccessStatus,
    authentication_requirement: row.authenticationRequirement,
  };
}

const parseRow = (r: { data: string }): SignIn => JSON.parse(r.data) as SignIn;

export function signInLogStore(db: Db): SignInLogStore {
  return {
    async append(orgId, row) {
      const values = columnsOf(orgId, row);
      const res = await guardWrite('sign-in log row', () =>
        db.insertInto('sign_in_logs').values(values).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `sign-in ${row.id}`);
    },
    async update(orgId, row) {
      const { org_id: _o, id: _i, ...values } = columnsOf(orgId, row);
      const res = await guardWrite('sign-in log row', () =>
        db.updateTable('sign_in_logs').set(values).where('org_id', '=', orgId).where('id', '=', row.id).executeTakeFirst());
      return Number(res.numUpdatedRows) > 0;
    },
    async query(orgId, opts) {
      const limit = pageLimit(opts.top);
      const after = decodeCursor(opts.cursor);
      const { filter } = opts;
      let q = db.selectFrom('sign_in_logs').select(['id', 'created_at', 'data']).where('org_id', '=', orgId);
      if (filter) q = q.where((eb) => filterExpression(eb, filter));
      if (after !== null) {
        // Row-value comparison spelled out: (created_at, id) < (c, i) in the desc order.
        q = q.where((eb) => eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]));
      }
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const more = rows.length > limit;
      const kept = more ? rows.slice(0, limit) : rows;
      const last = kept[kept.length - 1];
      return { items: kept.map(parseRow), next: more && last ? encodeCursor(Number(last.created_at), last.id) : null };
    },
    async get(orgId, id) {
      const r = await db.selectFrom('sign_in_logs').select('data').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return r ? parseRow(r) : null;
    },
    async purgeBefore(before, limit) {
      // The key is (org_id, id): a row-value IN names each row exactly, on both engines.
      const res = await db.deleteFrom('sign_in_logs')
        .where(({ eb, refTuple, selectFrom }) => eb(refTuple('org_id', 'id'), 'in',
          selectFrom('sign_in_logs').select(['org_id', 'id']).where('created_at', '<', before).limit(purgeLimit(limit)).$asTuple('org_id', 'id')))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
