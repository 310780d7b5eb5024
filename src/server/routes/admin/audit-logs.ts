// Graph /auditLogs/signIns (with the $filter subset and $skiptoken paging) and /reports/authenticationMethods/userRegistrationDetails.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { applySelect, collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import { getSignIn, querySignIns } from '../../../app/admin-api/graph-sign-ins.js';
import { registrationDetails } from '../../../app/admin-api/graph-directory.js';
import { REGISTRATION_DETAIL_PROPERTIES } from '../../../app/admin-api/graph-mappers.js';
import { authorize, requestUrl, ROLES, type IdParams } from './kit.js';

const SIGN_INS = 'auditLogs/signIns';
const REG_DETAILS = 'reports/authenticationMethods/userRegistrationDetails';

export function auditLogRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    // Graph's page size for sign-ins is 1,000 (entra-mdm.md §4.1).
    app.get(`/${SIGN_INS}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.auditRead);
      const q = parseGraphQuery(req.query, { kind: 'signIns', defaultTop: 1000, filter: true });
      const page = await querySignIns(ctx, p.orgId, q);
      return collection(requestUrl(ctx, req), SIGN_INS, page.items, { kind: 'signIns', cursor: page.next });
    });
    app.get<IdParams>(`/${SIGN_INS}/:id`, async (req) => {
      const p = await authorize(ctx, req, ROLES.auditRead);
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), SIGN_INS)}/$entity`, ...(await getSignIn(ctx, p.orgId, req.params.id)) };
    });

    app.get(`/${REG_DETAILS}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.reportsRead);
      const q = parseGraphQuery(req.query, { kind: 'userRegistrationDetails', defaultTop: 100, filter: true, selectable: REGISTRATION_DETAIL_PROPERTIES });
      const page = await registrationDetails(ctx, p.orgId, q);
      return collection(requestUrl(ctx, req), REG_DETAILS, page.items.map((r) => applySelect(r, q.select)), { kind: 'userRegistrationDetails', cursor: page.next });
    });
  };
}
