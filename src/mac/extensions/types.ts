// What the virtual Mac needs from each open SSO extension it can act as (extensions.md §2-§4):
// how the extension registers the device and the user, and which login configuration it saves.

import type { KeyObject } from 'node:crypto';
import type { VirtualMac } from '../agent.js';
import type { RegisterOptions } from '../register.js';
import type { LoginConfig, Method } from '../types.js';
import type { ProfileDefaults } from '../profile-settings.js';

export type ExtensionName = 'native' | 'twocanoes' | 'fleet' | 'uio';
export const EXTENSION_NAMES: readonly ExtensionName[] = ['native', 'twocanoes', 'fleet', 'uio'];

export interface MacKey {
  privateKey: KeyObject;
  x963: Buffer;
  /** Standard padded base64 of SHA-256 over the X9.63 point (Apple's kid). */
  kid: string;
}

export interface ExtensionDeviceInput {
  /** IOPlatformUUID, upper case. */
  deviceUuid: string;
  signing: MacKey;
  encryption: MacKey;
  /** The extension's BaseURL exactly as its profile gives it (trailing slash kept where it matters). */
  baseUrl: string;
  options: RegisterOptions;
  profile: ProfileDefaults;
}

export interface ExtensionUserInput {
  baseUrl: string;
  /** IOPlatformUUID, upper case (the attestation's identifiers derive from it). */
  deviceUuid: string;
  options: RegisterOptions;
  method: Method;
  /** The user's Secure Enclave key, when the method has one. */
  userKey?: MacKey | undefined;
  cfg: LoginConfig;
  /** What registerDevice handed on (an access token, say), for the user step. */
  carried?: Record<string, string> | undefined;
}

export interface MacExtension {
  name: Exclude<ExtensionName, 'native'>;
  /** Authentication methods the extension implements. */
  methods: readonly Method[];
  /** Registers the device keys the extension's way; returns the login configuration it saves. */
  registerDevice(mac: VirtualMac, d: ExtensionDeviceInput): Promise<{ cfg: Omit<LoginConfig, 'created'>; serverDeviceId?: string; carried?: Record<string, string> }>;
  /** Registers the user the extension's way (often no server call at all). */
  registerUser(mac: VirtualMac, u: ExtensionUserInput): Promise<void>;
}
