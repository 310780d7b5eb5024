// Settings that still work but have a successor: one note each, printed by `serve` at startup and
// by `config check`, so an admin learns of the change before the setting goes away.

import type { Config } from './schema.js';

export function deprecationNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.registration.compatEndpoint) {
    notes.push('registration.compatEndpoint is deprecated: it serves the twocanoes registration at /register for anyone. '
      + 'Enable extensions.twocanoes instead (its register, nonce, token and JWKS under extensions.twocanoes.basePath), '
      + 'with extensions.twocanoes.allowedDeviceUuids listing the Macs that may register.');
  }
  return notes;
}
