// The open SSO extensions the virtual Mac can act as, by name (`mac register --extension`).

import { MacError } from '../errors.js';
import type { ExtensionName, MacExtension } from './types.js';
import { twocanoesExtension } from './twocanoes.js';
import { fleetExtension } from './fleet.js';
import { uioExtension } from './uio.js';

const EXTENSIONS: Record<Exclude<ExtensionName, 'native'>, MacExtension> = {
  twocanoes: twocanoesExtension, fleet: fleetExtension, uio: uioExtension,
};

/** The extension's behaviour, or undefined for OpenPSSO's own (native) registration API. */
export function macExtension(name: ExtensionName | undefined): MacExtension | undefined {
  if (name === undefined || name === 'native') return undefined;
  const ext = EXTENSIONS[name];
  if (!ext) throw new MacError('usage', `Unknown extension ${String(name)}: one of native, twocanoes, fleet, uio.`);
  return ext;
}
