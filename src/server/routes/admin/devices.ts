// Graph devices (the Macs registered for Platform SSO) and their registered users; disabling and deleting one.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { applySelect, collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import { deviceRegisteredUsers, getDevice, listDevices } from '../../../app/admin-api/graph-directory.js';
import { DEVICE_PROPERTIES, USER_PROPERTIES } from '../../../app/admin-api/graph-mappers.js';
import { deleteDevice, setDeviceAccountEnabled } from '../../../app/admin-api/graph-revocation.js';
import { getDeviceRegistrationPolicy, patchDeviceRegistrationPolicy } from '../../../app/admin-api/graph-device-registration-policy.js';
import { recordAdminAction } from '../../../app/admin-api/admin-actions.js';
import { authorize, jsonBody, requestFacts, requestUrl, ROLES, type IdParams } from './kit.js';

export function deviceRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/devices', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'devices', defaultTop: 100, filter: true, selectable: DEVICE_PROPERTIES });
      const page = await listDevices(ctx, p.orgId, q);
      return collection(requestUrl(ctx, req), 'devices', page.items.map((d) => applySelect(d, q.select)), { kind: 'devices', cursor: page.next });
    });

    app.get<IdParams>('/devices/:id', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'device', defaultTop: 1, selectable: DEVICE_PROPERTIES });
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), 'devices')}/$entity`, ...applySelect(await getDevice(ctx, p.orgId, req.params.id), q.select) };
    });

    const DRP = 'policies/deviceRegistrationPolicy';
    app.get(`/${DRP}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), DRP)}/$entity`, ...(await getDeviceRegistrationPolicy(ctx, p.orgId)) };
    });
    app.patch(`/${DRP}`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      const c = await patchDeviceRegistrationPolicy(ctx, p.orgId, jsonBody(req));
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'setAttestationMode', target: DRP, from: c.from, to: c.to });
      return reply.code(204).send();
    });

    app.patch<IdParams>('/devices/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      const c = await setDeviceAccountEnabled(ctx, p.orgId, req.params.id, jsonBody(req));
      await recordAdminAction(ctx, p, requestFacts(req), {
        action: c.accountEnabled ? 'enableDevice' : 'disableDevice', target: c.device.id, deviceId: c.device.deviceUuid, refreshTokensRevoked: c.refreshTokensRevoked,
      });
      return reply.code(204).send();
    });

    app.delete<IdParams>('/devices/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      const d = await deleteDevice(ctx, p.orgId, req.params.id);
      await recordAdminAction(ctx, p, requestFacts(req), {
        action: 'deleteDevice', target: d.device.id, deviceId: d.device.deviceUuid, refreshTokensDeleted: d.refreshTokensDeleted, registrationsDeleted: d.registrationsDeleted,
      });
      return reply.code(204).send();
    });

    app.get<IdParams>('/devices/:id/registeredUsers', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'registeredUsers', defaultTop: 1000, selectable: USER_PROPERTIES });
      const users = await deviceRegisteredUsers(ctx, p.orgId, req.params.id);
      return collection(requestUrl(ctx, req), 'directoryObjects', users.map((u) => applySelect(u, q.select)), { kind: 'registeredUsers', cursor: null });
    });
  };
}
