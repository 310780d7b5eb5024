// The apple-app-site-association app lists (psso-protocol.md §2, extensions.md §5 "AASA app ids"):
// the configured aasa lists plus the published app ids of every enabled extension dialect. UiO has
// no published build, so its ids come only from aasa.authsrvApps (with a start-up warning if absent).

import type { Config } from '../../config/schema.js';
import { aasaAppIds, EXTENSIONS, type ExtensionName } from '../../profile/extensions.js';

const enabled = (config: Config): ExtensionName[] => (Object.keys(EXTENSIONS) as ExtensionName[]).filter((n) => config.extensions[n].enabled);

/** authsrv app ids: aasa.authsrvApps first, then each enabled dialect's published ids, without duplicates. */
export function authsrvApps(config: Config): string[] {
  const out = [...config.aasa.authsrvApps];
  for (const name of enabled(config)) {
    const team = EXTENSIONS[name].teamIdentifier;
    if (team) out.push(...aasaAppIds(name, team));
  }
  return [...new Set(out)];
}

/** What an admin must add before a real Mac can use an enabled dialect; printed at start-up and by doctor --mac-ready. */
export function aasaWarnings(config: Config): string[] {
  const out: string[] = [];
  if (enabled(config).includes('uio') && !config.aasa.authsrvApps.some((a) => /^[A-Z0-9]{10}\.no\.uio\.WebloginSSO/.test(a))) {
    out.push('extensions.uio is enabled but aasa.authsrvApps lists no TEAMID.no.uio.WebloginSSO app: the UiO extension is built and signed by you, so add "<your team>.no.uio.WebloginSSO" and "<your team>.no.uio.WebloginSSO.ssoe" (docs/real-macs.md).');
  }
  return out;
}
