// Runs the readiness doctor over a Graph client: fetch, check, print (text or JSON), and for --fix show the plan and apply it only when confirmed.

import { runDoctorChecks } from '../policy/doctor.js';
import { planMfaFix } from '../policy/fix-plan.js';
import { formatDoctorReport, formatFixPlan } from '../policy/format-doctor.js';
import type { DoctorReport, FixPlan, PlatformSsoScope } from '../policy/doctor-types.js';
import type { GraphClient } from '../graph/index.js';
import { fetchDoctorData } from './fetch-data.js';

export interface DoctorRunOptions {
  client: GraphClient;
  target: 'openpsso' | 'entra';
  /** Epoch seconds. */
  now: number;
  json?: boolean;
  fix?: boolean;
  /** Apply the plan without asking (--apply). */
  apply?: boolean;
  /** Asked when fixing without --apply; absent (not a terminal): nothing is applied. */
  confirm?: (question: string) => Promise<boolean>;
  out?: (text: string) => void;
  pageSize?: number;
  signInWindowDays?: number;
  platformSsoScope?: PlatformSsoScope;
}

export interface AppliedChange {
  userId: string;
  userPrincipalName: string;
  ok: boolean;
  error?: string;
}

export interface DoctorRunResult {
  /** 0: no error findings; 1: error findings; 2: a fix was attempted and some change failed. */
  exitCode: number;
  report: DoctorReport;
  warnings: string[];
  plan?: FixPlan;
  applied?: AppliedChange[];
}

async function applyPlan(client: GraphClient, plan: FixPlan): Promise<AppliedChange[]> {
  const out: AppliedChange[] = [];
  // One at a time: a failure stops nothing, but each change is reported in order.
  for (const c of plan.changes) {
    try {
      await client.patch(c.request.path, c.request.body);
      out.push({ userId: c.userId, userPrincipalName: c.userPrincipalName, ok: true });
    } catch (e) {
      out.push({ userId: c.userId, userPrincipalName: c.userPrincipalName, ok: false, error: (e as Error).message });
    }
  }
  return out;
}

export async function runDoctor(o: DoctorRunOptions): Promise<DoctorRunResult> {
  const print = o.out ?? ((t: string) => console.log(t));
  const { data, warnings } = await fetchDoctorData(o.client, {
    target: o.target, now: o.now,
    ...(o.pageSize ? { pageSize: o.pageSize } : {}), ...(o.signInWindowDays ? { signInWindowDays: o.signInWindowDays } : {}),
    ...(o.platformSsoScope ? { platformSsoScope: o.platformSsoScope } : {}),
  });
  const options = { target: o.target, ...(o.signInWindowDays ? { signInWindowDays: o.signInWindowDays } : {}) };
  const report = runDoctorChecks(data, o.now, options);
  const result: DoctorRunResult = { exitCode: report.ok ? 0 : 1, report, warnings };
  if (!o.json) {
    print(formatDoctorReport(report));
    if (warnings.length > 0) print(['', 'Not checked:', ...warnings.map((w) => `  - ${w}`)].join('\n'));
  }
  if (o.fix) {
    const plan = planMfaFix(data, options);
    result.plan = plan;
    if (!o.json) print(`\n${formatFixPlan(plan)}`);
    if (plan.changes.length > 0) {
      const go = o.apply === true || (o.confirm ? await o.confirm(`Apply ${plan.changes.length} change(s) to ${o.client.baseUrl}? [y/N] `) : false);
      if (go) {
        result.applied = await applyPlan(o.client, plan);
        if (result.applied.some((a) => !a.ok)) result.exitCode = 2;
        if (!o.json) {
          print(['', 'Applied:', ...result.applied.map((a) => `  ${a.ok ? 'ok    ' : 'FAILED'} ${a.userPrincipalName}${a.error ? `: ${a.error}` : ''}`)].join('\n'));
        }
      } else if (!o.json) {
        print('\nNothing applied. Re-run with --fix --apply (or answer yes) to make these changes.');
      }
    }
  }
  if (o.json) print(JSON.stringify({ target: o.target, server: o.client.baseUrl, ...result, exitCode: undefined }, null, 2));
  return result;
}
