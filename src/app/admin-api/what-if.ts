// `openpsso whatif`: evaluates access for a hypothetical sign-in with the same facts the server gathers (the policy core applies the non-interactive scope rule).

import type { AppContext } from '../context.js';
import { findUser } from '../directory.js';
import { evaluateAccess } from '../../policy/evaluate-access.js';
import { parseIp } from '../../policy/ip-range.js';
import type { AccessDecision } from '../../policy/types.js';
import { PssoError } from '../../errors/psso-error.js';
import { toSeconds } from '../clock.js';
import { resolveAppId } from './logs-query.js';
import { APPLE_USER_ACTION_PREFIX, APPLE_USER_ACTIONS, isBuiltInAppId } from '../../policy/app-ids.js';

export interface WhatIfInput {
  user: string;
  app: string;
  ip: string;
  /** Device id (dev_...) or the Mac's UUID; absent: an unregistered client. */
  device?: string;
  interactive?: boolean;
  /** The sign-in already did MFA (amr contains 'mfa'). */
  mfa?: boolean;
  /** The Platform SSO authorization scope: a full URN or its last part ('elevation'). */
  userAction?: string;
}

/** 'elevation' → urn:apple:platformsso:auth:elevation; a full URN must be one of the known ones. */
export function resolveUserAction(action: string): string {
  const urn = action.startsWith('urn:') ? action : `${APPLE_USER_ACTION_PREFIX}${action}`;
  if (!APPLE_USER_ACTIONS.includes(urn)) {
    throw new PssoError('malformed_request', `user action ${action}: use one of ${APPLE_USER_ACTIONS.map((a) => a.slice(APPLE_USER_ACTION_PREFIX.length)).join(', ')}`);
  }
  return urn;
}

/** The app a what-if names: an alias (platform-sso ...), an appId, or a registered app's display name. */
async function resolveWhatIfApp(ctx: AppContext, orgId: string, app: string): Promise<{ appId: string; name?: string }> {
  const aliased = resolveAppId(app);
  if (aliased !== app || isBuiltInAppId(app)) return { appId: aliased };
  const apps = await ctx.store.applications.list(orgId);
  const found = apps.find((a) => a.appId === app.toLowerCase()) ?? apps.find((a) => a.displayName.toLowerCase() === app.toLowerCase());
  return found ? { appId: found.appId, name: found.displayName } : { appId: app };
}

export async function whatIf(ctx: AppContext, orgId: string, w: WhatIfInput): Promise<AccessDecision> {
  const user = await findUser(ctx, orgId, w.user);
  if (w.ip !== '' && parseIp(w.ip) === null) throw new PssoError('malformed_request', `--ip ${w.ip} is not an IPv4 or IPv6 address`);
  let device;
  if (w.device !== undefined) {
    device = (await ctx.store.devices.get(w.device)) ?? (await ctx.store.devices.getByUuid(orgId, w.device.toUpperCase()));
    if (!device || device.orgId !== orgId) throw new PssoError('resource_not_found', `device ${w.device}`);
  }
  const { appId, name } = await resolveWhatIfApp(ctx, orgId, w.app);
  const userAction = w.userAction === undefined ? undefined : resolveUserAction(w.userAction);
  const interactive = w.interactive === true;
  const [groups, methods, policies, locations] = await Promise.all([
    ctx.store.groups.groupsOfUser(user.id), ctx.store.mfaMethods.listForUser(user.id),
    ctx.store.policies.list(orgId), ctx.store.namedLocations.list(orgId),
  ]);
  const now = toSeconds(ctx.clock.now());
  return evaluateAccess({
    user: { id: user.id, groupIds: groups.map((g) => g.id), perUserMfaState: user.perUserMfaState, mfaRegistered: methods.length > 0 },
    appId, ipAddress: w.ip, interactive,
    ...(name !== undefined ? { appDisplayName: name } : {}),
    ...(userAction !== undefined ? { userAction } : {}),
    ...(device ? { device: { id: device.id, state: device.status === 'revoked' ? 'revoked' as const : 'registered' as const, isAttested: device.attestation !== null } } : {}),
    authMethodsSatisfied: w.mfa ? ['pwd', 'mfa'] : ['pwd'],
    lastFullAuthAt: now,
    now,
  }, policies, locations);
}
