// oidc-provider's Adapter interface over OpenPSSO's store (ports-oidc.ts): one instance per model;
// clients ('Client') come from the applications store instead (clients.ts).

import './quiet-warnings.js';
import { createHash } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { clientMetadata } from './clients.js';

/**
 * Models whose id is itself a bearer secret (the opaque access token, the code, the refresh token):
 * stored under a SHA-256 of the id, with the id left out of the payload, so a database reader
 * cannot use one. Sessions and interactions are named by cookies signed with keys derived from the
 * master key, so their ids alone are not enough to take one over.
 */
const HASHED = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'ClientCredentials', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const hashId = (id: string): string => `h:${createHash('sha256').update(id).digest('base64url')}`;

export function adapterFor(ctx: AppContext): new (name: string) => Adapter {
  return class OpenPssoAdapter implements Adapter {
    private readonly hashed: boolean;
    constructor(private readonly name: string) {
      this.hashed = HASHED.has(name);
    }

    private key(id: string): string {
      return this.hashed ? hashId(id) : id;
    }

    private revive(payload: string, id: string, consumedAt: number | null): AdapterPayload {
      const p = JSON.parse(payload) as AdapterPayload;
      if (this.hashed) p.jti = id;
      if (consumedAt !== null) p.consumed = Math.floor(consumedAt / 1000);
      return p;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const stored = this.hashed ? { ...payload, jti: undefined } : payload;
      await ctx.store.oidcArtefacts.upsert({
        model: this.name, id: this.key(id), payload: JSON.stringify(stored),
        grantId: payload.grantId ?? null, uid: payload.uid ?? null, userCode: payload.userCode ?? null,
        expiresAt: expiresIn ? ctx.clock.now() + expiresIn * 1000 : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return (await clientMetadata(ctx, id)) as AdapterPayload | undefined;
      const a = await ctx.store.oidcArtefacts.find(this.name, this.key(id), ctx.clock.now());
      return a ? this.revive(a.payload, id, a.consumedAt) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const a = await ctx.store.oidcArtefacts.findByUid(this.name, uid, ctx.clock.now());
      // Only unhashed models (Session) are looked up by uid, so the stored id is the real one.
      return a ? this.revive(a.payload, a.id, a.consumedAt) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const a = await ctx.store.oidcArtefacts.findByUserCode(this.name, userCode, ctx.clock.now());
      return a && !this.hashed ? this.revive(a.payload, a.id, a.consumedAt) : undefined;
    }

    async consume(id: string): Promise<void> {
      // The store's conditional UPDATE decides. oidc-provider reads `consumed` first and treats a
      // second use as a replay (the grant is revoked); two uses racing past that read both reach here,
      // and the loser gets the same treatment instead of tokens.
      if (await ctx.store.oidcArtefacts.consume(this.name, this.key(id), ctx.clock.now())) return;
      const row = await ctx.store.oidcArtefacts.find(this.name, this.key(id), ctx.clock.now());
      if (row?.grantId) await ctx.store.oidcArtefacts.revokeByGrantId(row.grantId);
      throw new errors.InvalidGrant(`${this.name} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await ctx.store.oidcArtefacts.destroy(this.name, this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await ctx.store.oidcArtefacts.revokeByGrantId(grantId);
    }
  };
}
