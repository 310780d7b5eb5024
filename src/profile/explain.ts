// `openpsso profile explain KEY`: what a profile key does, its values, default, macOS versions and
// what admins commonly get wrong; also explains linter finding codes (PSSO-Lnnn).

import { findingCode, findingCodes } from './finding-codes.js';
import { findSpecs, keySpecs, scopeLabel, type KeySpec } from './keys.js';
import { didYouMean } from './util.js';
import { foreignName } from './ddm-names.js';

function location(s: KeySpec): string {
  switch (s.scope) {
    case 'profile': return 'profile root (also used inside each payload)';
    case 'payload': return 'com.apple.extensiblesso payload (next to ExtensionIdentifier)';
    case 'platformSSO': return 'PlatformSSO dictionary inside the com.apple.extensiblesso payload';
    case 'tokenToUserMapping': return 'PlatformSSO.TokenToUserMapping';
  }
}

function typeText(s: KeySpec): string {
  if (s.type === 'array' && s.itemType) return `array of ${s.itemType}`;
  if (s.type === 'dict' && s.itemType) return `dictionary of ${s.itemType} values`;
  return s.type === 'boolean' ? 'boolean (<true/> / <false/>)' : s.type;
}

function explainSpec(s: KeySpec): string {
  const lines = [`${s.name}  —  ${location(s)}`, '', s.summary, ''];
  lines.push(`Type:     ${typeText(s)}`);
  if (s.default !== undefined) lines.push(`Default:  ${s.default}`);
  if (s.min !== undefined) lines.push(`Minimum:  ${s.min}`);
  if (s.maxItems !== undefined) lines.push(`Maximum:  ${s.maxItems} entries`);
  lines.push(`macOS:    ${s.since}+${s.prerelease ? ' (pre-release schema; may change)' : ''}${s.deprecatedIn ? `, deprecated in ${s.deprecatedIn}` : ''}`);
  if (s.required) lines.push(`Required: ${s.required === 'always' ? 'yes' : `yes, for Type ${s.required === 'redirect' ? 'Redirect' : 'Credential'}`}`);
  if (s.values) {
    lines.push('', 'Values:');
    for (const v of s.values) lines.push(`  ${v.value}${v.since ? ` (macOS ${v.since}+)` : ''}: ${v.meaning}`);
  }
  if (s.ddm) lines.push(`DDM name: ${s.ddm} (declarative configuration; in a profile use ${s.name})`);
  if (s.entra) lines.push('', `Microsoft Entra: ${s.entra}`);
  if (s.mistakes && s.mistakes.length > 0) {
    lines.push('', 'Common mistakes:');
    for (const m of s.mistakes) lines.push(`  - ${m}`);
  }
  return lines.join('\n');
}

/**
 * Plain-text explanation of a key (case-insensitive; "PlatformSSO.LoginFrequency" also works) or of a
 * finding code; null if unknown (use suggestKey for a did-you-mean).
 */
export function explainKey(key: string): string | null {
  const code = findingCode(key.trim());
  if (code) return `${code.code} (${code.severity})\n\n${code.title}.`;
  const name = key.trim().split('.').pop() ?? '';
  let specs = findSpecs(name);
  if (specs.length === 0) specs = keySpecs.filter((s) => s.name.toLowerCase() === name.toLowerCase());
  const foreign = specs.length === 0 ? foreignName(name) : undefined;
  if (foreign) return `${foreign.what}.\n\nNot a profile key: ${foreign.instead}.`;
  if (specs.length === 0) {
    const owners = keySpecs.filter((k) => k.values?.some((v) => v.value.toLowerCase() === name.toLowerCase()));
    if (owners.length === 0) return null;
    const v = owners[0]!.values!.find((x) => x.value.toLowerCase() === name.toLowerCase())!;
    return `${v.value} is a value, not a key: it is used by ${[...new Set(owners.map((o) => o.name))].join(', ')}.\n\n${v.meaning}${v.since ? ` (macOS ${v.since}+)` : ''}\n\n`
      + owners.map(explainSpec).join('\n\n----\n\n');
  }
  // "AuthenticationMethod" exists twice; a "PlatformSSO." prefix picks the PlatformSSO one first.
  if (/^platformsso\./i.test(key.trim())) specs = [...specs].sort((a, b) => Number(b.scope === 'platformSSO') - Number(a.scope === 'platformSSO'));
  return specs.map(explainSpec).join('\n\n----\n\n');
}

/** The closest known key (or finding code) for a did-you-mean, if any. */
export function suggestKey(key: string): string | undefined {
  const name = key.trim().split('.').pop() ?? '';
  const values = keySpecs.flatMap((s) => (s.values ?? []).map((v) => v.value));
  return didYouMean(name, [...new Set([...keySpecs.map((s) => s.name), ...values]), ...findingCodes.map((c) => c.code)]);
}

/** One line per key, for `profile explain --list`. */
export function listKeys(): string {
  return keySpecs.map((s) => `${s.name.padEnd(38)} ${s.since.padEnd(6)} ${scopeLabel[s.scope]}`).join('\n');
}
