// `openpsso whatif`: evaluates access for a hypothetical sign-in with the same facts the server gathers (the policy core applies the non-interactive scope rule).

import type { AppContext } from '../context.js';
import { findUser } from '../directory.js';
import { evaluateAccess } from '../../policy/evaluate-access.js';
import { parseIp } from '../../policy/ip-range.js';
import type { AccessDecision } from '../../policy/types.js';
import { PssoError } from '../../errors/psso-error.js';
import { toSeconds } from '../clock.js';
import { resolveAppId } from './logs-query.js';

export interface WhatIfInput {
  user: string;
  app: string;
  ip: string;
  /** Device id (dev_...) or the Mac's UUID; absent: an unregistered client. */
  device?: string;
  interactive?: boolean;
  /** The sign-in already did MFA (amr contains 'mfa'). */
  mfa?: boolean;
}

export async function whatIf(ctx: AppContext, orgId: string, w: WhatIfInput): Promise<AccessDecision> {
  const user = await findUser(ctx, orgId, w.user);
  if (w.ip !== '' && parseIp(w.ip) === null) throw new PssoError('malformed_request', `--ip ${w.ip} is not an IPv4 or IPv6 address`);
  let device;
  if (w.device !== undefined) {
    device = (await ctx.store.devices.get(w.device)) ?? (await ctx.store.devices.getByUuid(orgId, w.device.toUpperCase()));
    if (!device || device.orgId !== orgId) throw new PssoError('resource_not_found', `device ${w.device}`);
  }
  const appId = resolveAppId(w.app);
  const interactive = w.interactive === true;
  const [groups, methods, policies, locations] = await Promise.all([
    ctx.store.groups.groupsOfUser(user.id), ctx.store.mfaMethods.listForUser(user.id),
    ctx.store.policies.list(orgId), ctx.store.namedLocations.list(orgId),
  ]);
  const now = toSeconds(ctx.clock.now());
  return evaluateAccess({
    user: { id: user.id, groupIds: groups.map((g) => g.id), perUserMfaState: user.perUserMfaState, mfaRegistered: methods.length > 0 },
    appId, ipAddress: w.ip, interactive,
    ...(device ? { device: { id: device.id, state: device.status === 'revoked' ? 'revoked' as const : 'registered' as const } } : {}),
    authMethodsSatisfied: w.mfa ? ['pwd', 'mfa'] : ['pwd'],
    lastFullAuthAt: now,
    now,
  }, policies, locations);
}
