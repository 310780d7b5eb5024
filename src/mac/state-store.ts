// Persistence of a virtual Mac: JSON documents and PEM keys in a directory (atomic writes, private files) or in memory for benchmarks.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DeviceConfig, LocalAccount, LoginConfig, SsoTokens, UserConfig, UserState } from './types.js';

/** A flat namespace of text documents named by relative paths ("users/alice/tokens.json"). */
export interface StateStore {
  readonly location: string;
  readText(name: string): Promise<string | undefined>;
  writeText(name: string, text: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** Immediate child names under a folder ("users"). */
  list(folder: string): Promise<string[]>;
}

/** No such document: the file, or a folder on its path, is missing, or --mac names a file, not a folder. */
const absent = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

export class DirectoryStore implements StateStore {
  readonly location: string;
  constructor(dir: string) {
    this.location = resolve(dir);
  }

  private path(name: string): string {
    if (name.split('/').some((p) => p === '..' || p === '')) throw new Error(`bad state name ${name}`);
    return join(this.location, name);
  }

  async readText(name: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(name), 'utf8');
    } catch (e) {
      if (absent(e)) return undefined;
      throw e;
    }
  }

  /** Write to a unique temporary file, then rename: a crash never leaves half a keychain behind. */
  async writeText(name: string, text: string): Promise<void> {
    const file = this.path(name);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { recursive: true, force: true });
  }

  async list(folder: string): Promise<string[]> {
    try {
      return (await readdir(this.path(folder), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch (e) {
      if (absent(e)) return [];
      throw e;
    }
  }
}

/** Same contract without a disk, for benchmarks driving many Macs in one process. */
export class MemoryStore implements StateStore {
  readonly location = '(memory)';
  private readonly docs = new Map<string, string>();

  async readText(name: string): Promise<string | undefined> {
    return this.docs.get(name);
  }

  async writeText(name: string, text: string): Promise<void> {
    this.docs.set(name, text);
  }

  async remove(name: string): Promise<void> {
    for (const k of [...this.docs.keys()]) if (k === name || k.startsWith(`${name}/`)) this.docs.delete(k);
  }

  async list(folder: string): Promise<string[]> {
    const prefix = `${folder}/`;
    const out = new Set<string>();
    for (const k of this.docs.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash > 0) out.add(rest.slice(0, slash));
    }
    return [...out].sort();
  }
}

/** Folder name for a user: the login name, lower-cased, with anything unusual replaced. */
export function userSlug(loginUserName: string): string {
  return loginUserName.trim().toLowerCase().replace(/[^a-z0-9@._-]/g, '_') || '_';
}

export const FILES = {
  device: 'device.json',
  login: 'login-configuration.json',
  signingKey: 'keys/device-signing.pem',
  encryptionKey: 'keys/device-encryption.pem',
  jwks: 'jwks-cache.json',
  account: (slug: string) => `users/${slug}/local-account.json`,
  userConfig: (slug: string) => `users/${slug}/user-configuration.json`,
  tokens: (slug: string) => `users/${slug}/keychain-sso-tokens.json`,
  userKey: (slug: string) => `users/${slug}/secure-enclave-key.pem`,
} as const;

/** Typed access to the documents a Mac keeps. */
export class MacState {
  constructor(readonly store: StateStore) {}

  private async readJson<T>(name: string): Promise<T | undefined> {
    const text = await this.store.readText(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`the virtual Mac state file ${name} in ${this.store.location} is not valid JSON; fix or delete it`);
    }
  }

  private writeJson(name: string, value: unknown): Promise<void> {
    return this.store.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Whether this store holds a virtual Mac at all: a device registration, device keys, a login
   * configuration, or a local account (which `reset` keeps). A mistyped --mac has none of them.
   */
  async exists(): Promise<boolean> {
    for (const name of [FILES.device, FILES.login, FILES.signingKey]) if (await this.store.readText(name) !== undefined) return true;
    return (await this.store.list('users')).length > 0;
  }

  device(): Promise<DeviceConfig | undefined> { return this.readJson(FILES.device); }
  saveDevice(d: DeviceConfig): Promise<void> { return this.writeJson(FILES.device, d); }
  loginConfig(): Promise<LoginConfig | undefined> { return this.readJson(FILES.login); }
  saveLoginConfig(l: LoginConfig): Promise<void> { return this.writeJson(FILES.login, l); }
  jwks(): Promise<{ fetched: number; url: string; keys: unknown[] } | undefined> { return this.readJson(FILES.jwks); }
  saveJwks(j: { fetched: number; url: string; keys: unknown[] }): Promise<void> { return this.writeJson(FILES.jwks, j); }

  readPem(name: string): Promise<string | undefined> { return this.store.readText(name); }
  writePem(name: string, pem: string): Promise<void> { return this.store.writeText(name, pem); }

  async user(loginUserName: string): Promise<UserState> {
    const slug = userSlug(loginUserName);
    const [account, config, tokens] = await Promise.all([
      this.readJson<LocalAccount>(FILES.account(slug)),
      this.readJson<UserConfig>(FILES.userConfig(slug)),
      this.readJson<SsoTokens>(FILES.tokens(slug)),
    ]);
    return { slug, account, config, tokens };
  }

  saveAccount(slug: string, a: LocalAccount): Promise<void> { return this.writeJson(FILES.account(slug), a); }
  saveUserConfig(slug: string, u: UserConfig): Promise<void> { return this.writeJson(FILES.userConfig(slug), u); }
  saveTokens(slug: string, t: SsoTokens): Promise<void> { return this.writeJson(FILES.tokens(slug), t); }
  removeTokens(slug: string): Promise<void> { return this.store.remove(FILES.tokens(slug)); }

  /** Every user folder, with the login name recorded in it. */
  async users(): Promise<UserState[]> {
    const slugs = await this.store.list('users');
    const out: UserState[] = [];
    for (const slug of slugs) {
      const config = await this.readJson<UserConfig>(FILES.userConfig(slug));
      const account = await this.readJson<LocalAccount>(FILES.account(slug));
      const tokens = await this.readJson<SsoTokens>(FILES.tokens(slug));
      out.push({ slug, account, config, tokens });
    }
    return out;
  }

  /** Forget the registration (device, login configuration, keys, user PSSO state, tokens); local accounts stay. */
  async forgetRegistration(): Promise<void> {
    for (const slug of await this.store.list('users')) {
      await this.store.remove(FILES.userConfig(slug));
      await this.store.remove(FILES.tokens(slug));
      await this.store.remove(FILES.userKey(slug));
    }
    await Promise.all([FILES.device, FILES.login, FILES.jwks, 'keys'].map((n) => this.store.remove(n)));
  }
}
