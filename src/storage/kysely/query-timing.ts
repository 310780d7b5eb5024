// Times every statement the Kysely layer sends, through Kysely's own log hook (one place, for both
// dialects, without touching a store method), and names its kind: read, write, transaction (begin,
// commit, rollback, savepoints) or other (schema changes, pragmas). Kinds, not SQL, so the metric's
// label values stay bounded.

import type { CompiledQuery, LogEvent, Logger } from 'kysely';

export type QueryKind = 'read' | 'write' | 'transaction' | 'other';

/** Receives each statement's kind, its duration in seconds and whether the database refused it. */
export type QueryObserver = (kind: QueryKind, seconds: number, failed: boolean) => void;

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

export function queryKind(q: CompiledQuery): QueryKind {
  const node = q.query.kind;
  if (node === 'SelectQueryNode') return 'read';
  if (WRITES.has(node)) return 'write';
  if (node !== 'RawNode') return 'other';
  // sql`...` and the drivers' own transaction statements arrive as raw SQL: go by the first word.
  const word = /^\s*([a-z]+)/i.exec(q.sql)?.[1]?.toLowerCase();
  switch (word) {
    case 'select': case 'with': return 'read';
    case 'insert': case 'update': case 'delete': case 'replace': return 'write';
    case 'begin': case 'start': case 'commit': case 'rollback': case 'savepoint': case 'release': case 'end': return 'transaction';
    default: return 'other';
  }
}

export function queryTimingLogger(observe: QueryObserver): Logger {
  return (event: LogEvent) => observe(queryKind(event.query), event.queryDurationMillis / 1000, event.level === 'error');
}
