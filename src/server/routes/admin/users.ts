// Graph users: list and get (by id or UPN), create, change (including disable), delete, revokeSignInSessions, group memberships, and per-user MFA requirements (entra-mdm.md §3.2).

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { collection, odataContext, parseGraphQuery, applySelect } from '../../../app/admin-api/graph-query.js';
import { listUsers, resolveUser, setPerUserMfaState, userMemberOf } from '../../../app/admin-api/graph-directory.js';
import { GROUP_PROPERTIES, toGraphUser, USER_PROPERTIES } from '../../../app/admin-api/graph-mappers.js';
import { revokeSignInSessions } from '../../../app/admin-api/graph-revocation.js';
import { createGraphUser, patchGraphUser } from '../../../app/admin-api/graph-users.js';
import { deleteUser } from '../../../app/user-lifecycle.js';
import { recordAdminAction } from '../../../app/admin-api/admin-actions.js';
import { authorize, jsonBody, noParameters, requestFacts, requestUrl, ROLES, type IdParams } from './kit.js';

export function userRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/users', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'users', defaultTop: 100, filter: true, selectable: USER_PROPERTIES });
      const page = await listUsers(ctx, p.orgId, q);
      return collection(requestUrl(ctx, req), 'users', page.items.map((u) => applySelect(u, q.select)), { kind: 'users', cursor: page.next });
    });

    app.get<IdParams>('/users/:id', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'user', defaultTop: 1, selectable: USER_PROPERTIES });
      const u = await resolveUser(ctx, p.orgId, req.params.id);
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), 'users')}/$entity`, ...applySelect(toGraphUser(u), q.select) };
    });

    app.post('/users', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      const u = await createGraphUser(ctx, p.orgId, jsonBody(req));
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'createUser', target: u.id, userPrincipalName: u.userPrincipalName });
      const base = requestUrl(ctx, req);
      const version = req.url.split('/')[1];
      return reply.code(201).header('location', `${base.base}/${version}/users/${u.id}`)
        .send({ '@odata.context': `${odataContext(base, 'users')}/$entity`, ...toGraphUser(u) });
    });

    app.patch<IdParams>('/users/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      const c = await patchGraphUser(ctx, p.orgId, req.params.id, jsonBody(req));
      // Enabling and disabling keep their own action names, which audits already search for.
      const action = c.changed.length === 1 && c.changed[0] === 'accountEnabled' ? (c.user.enabled ? 'enableUser' : 'disableUser') : 'updateUser';
      await recordAdminAction(ctx, p, requestFacts(req), {
        action, target: c.user.id, userPrincipalName: c.user.userPrincipalName, ...(action === 'updateUser' ? { changed: c.changed.join(',') } : {}),
        refreshTokensRevoked: c.refreshTokensRevoked, bearerTokensRevoked: c.bearerTokensRevoked,
      });
      return reply.code(204).send();
    });

    app.delete<IdParams>('/users/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      // resolveUser first: the id must name a user of the caller's organisation.
      const u = await resolveUser(ctx, p.orgId, req.params.id);
      const d = await deleteUser(ctx, p.orgId, u.id);
      await recordAdminAction(ctx, p, requestFacts(req), {
        action: 'deleteUser', target: u.id, userPrincipalName: u.userPrincipalName,
        refreshTokensDeleted: d.refreshTokensDeleted, registrationsDeleted: d.registrationsDeleted,
      });
      return reply.code(204).send();
    });

    // Graph answers this action with a bare Edm.Boolean.
    app.post<IdParams>('/users/:id/revokeSignInSessions', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      noParameters(req);
      const r = await revokeSignInSessions(ctx, p.orgId, req.params.id);
      await recordAdminAction(ctx, p, requestFacts(req), {
        action: 'revokeSignInSessions', target: r.user.id, userPrincipalName: r.user.userPrincipalName,
        refreshTokensRevoked: r.refreshTokensRevoked, bearerTokensRevoked: r.bearerTokensRevoked,
      });
      return { '@odata.context': odataContext(requestUrl(ctx, req), 'Edm.Boolean'), value: true };
    });

    // OpenPSSO groups do not nest, so both relationships list the same groups.
    for (const rel of ['memberOf', 'transitiveMemberOf']) {
      app.get<IdParams>(`/users/:id/${rel}`, async (req) => {
        const p = await authorize(ctx, req, ROLES.directoryRead);
        const q = parseGraphQuery(req.query, { kind: rel, defaultTop: 1000, selectable: GROUP_PROPERTIES });
        const groups = await userMemberOf(ctx, p.orgId, req.params.id);
        return collection(requestUrl(ctx, req), 'directoryObjects', groups.map((g) => applySelect(g, q.select)), { kind: rel, cursor: null });
      });
    }

    app.get<IdParams>('/users/:id/authentication/requirements', async (req) => {
      const p = await authorize(ctx, req, ROLES.mfaRead);
      const u = await resolveUser(ctx, p.orgId, req.params.id);
      return { '@odata.context': odataContext(requestUrl(ctx, req), `users('${u.id}')/authentication/requirements/$entity`), perUserMfaState: u.perUserMfaState };
    });

    app.patch<IdParams>('/users/:id/authentication/requirements', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.mfaWrite);
      const body = jsonBody(req);
      const u = await resolveUser(ctx, p.orgId, req.params.id);
      await setPerUserMfaState(ctx, u, body);
      return reply.code(204).send();
    });
  };
}
