// Sign-in log queries for /auditLogs/signIns and `openpsso logs`: the Graph $filter subset, newest first, paged by cursor (entra-mdm.md §4).

import type { AppContext } from '../context.js';
import type { Page } from '../../storage/ports.js';
import type { SignIn } from '../../policy/sign-in.js';
import { parseSignInFilter, SignInFilterError, type FilterAst } from '../../policy/sign-in-filter.js';
import { PssoError } from '../../errors/psso-error.js';

/** Parses $filter text; a refusal names the position and the supported subset (400 invalid_filter). */
export function signInFilter(text: string | null): FilterAst | null {
  if (text === null || text.trim() === '') return null;
  try {
    return parseSignInFilter(text);
  } catch (e) {
    if (e instanceof SignInFilterError) throw new PssoError('invalid_filter', e.message);
    throw e;
  }
}

export async function querySignIns(ctx: AppContext, orgId: string, q: { filter: string | null; top: number; cursor: string | null }): Promise<Page<SignIn>> {
  return ctx.store.signInLogs.query(orgId, { filter: signInFilter(q.filter), top: q.top, cursor: q.cursor });
}

export async function getSignIn(ctx: AppContext, orgId: string, id: string): Promise<SignIn> {
  const row = await ctx.store.signInLogs.get(orgId, id);
  if (!row) throw new PssoError('resource_not_found', `sign-in ${id.slice(0, 200)}`);
  return row;
}
