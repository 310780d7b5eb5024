// Counters and gauges for what must never happen silently: refused or failed sign-in log writes,
// credential guard refusals and password work turned away. One registry per server (prom-client),
// so several servers in one test process do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  signInLogWriteFailures: Counter;
  signInLogWritesRetried: Counter;
  signInLogWritesDropped: Counter;
  signInLogRowsAggregated: Counter;
  guardRefusals: Counter<'reason' | 'surface'>;
  passwordWorkRejected: Counter<'lane'>;
  passwordWorkQueued: Gauge<'lane'>;
  httpRequests: Histogram<'route' | 'method' | 'status'>;
  signInEvents: Counter<'operation' | 'code'>;
  noncesIssued: Counter;
  noncesConsumed: Counter<'result'>;
  dbQueries: Histogram<'operation'>;
  dbQueryErrors: Counter<'operation'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process CPU, memory, event loop lag and GC, under the same prefix.
  collectDefaultMetrics({ register: registry, prefix: 'openpsso_' });
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    signInLogWriteFailures: counter('openpsso_signin_log_write_failures_total', 'Sign-in log writes that failed on the first try (each is retried).'),
    signInLogWritesRetried: counter('openpsso_signin_log_write_retries_total', 'Sign-in log writes stored by a later retry.'),
    signInLogWritesDropped: counter('openpsso_signin_log_writes_dropped_total', 'Sign-in log rows that could not be stored after every retry (each is also logged as an error).'),
    signInLogRowsAggregated: counter('openpsso_signin_log_refusals_aggregated_total', 'Throttled or locked refusals counted into an aggregate sign-in log row instead of a row each.'),
    guardRefusals: counter('openpsso_credential_guard_refusals_total', 'Secret checks refused before verification, by reason (locked, throttled, disabled) and surface.', ['reason', 'surface']),
    passwordWorkRejected: counter('openpsso_password_work_rejected_total', 'Password verifications turned away because the bounded queue was full or waited too long.', ['lane']),
    passwordWorkQueued: new Gauge({ name: 'openpsso_password_work_queued', help: 'Password verifications waiting for a worker, by lane.', labelNames: ['lane'], registers: [registry] }),
    // Route is the route pattern (/api/v1/devices/:id/users), never the raw URL: bounded label values.
    httpRequests: new Histogram({
      name: 'openpsso_http_request_duration_seconds', help: 'HTTP requests by route pattern, method and status, with their duration.',
      labelNames: ['route', 'method', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
    signInEvents: counter('openpsso_signin_events_total', 'Sign-in log events by operation and outcome (0 = success, else the catalogue code, e.g. OPSSO1201).', ['operation', 'code']),
    noncesIssued: counter('openpsso_nonces_issued_total', 'Server nonces issued (srv_challenge).'),
    noncesConsumed: counter('openpsso_nonces_consumed_total', 'Server nonces presented in requests, by result (ok, unknown, expired, replayed, wrong_binding).', ['result']),
    // SQLite statements take microseconds, PostgreSQL round trips around a millisecond: buckets from 50 µs.
    dbQueries: new Histogram({
      name: 'openpsso_db_query_duration_seconds', help: 'Database statements by kind (read, write, transaction, other), with their duration.',
      labelNames: ['operation'], buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
    dbQueryErrors: counter('openpsso_db_query_errors_total', 'Database statements the database refused or failed, by kind.', ['operation']),
  };
}
