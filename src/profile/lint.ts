// Lints configuration profiles (XML or binary plist, signed or not) carrying a com.apple.extensiblesso
// payload against Apple's key schema and cross-key rules (entra-mdm.md §1). Key-level checks live
// here; the cross-key rules of one payload are in lint-rules.ts.

import { EXTENSIBLE_SSO, findSpecs, keySpecs, scopeLabel, specsIn, type KeyScope, type KeySpec, type PlistKind } from './keys.js';
import { looksSigned, openSignedProfile, SignedProfileError, type SignerReport } from './cms.js';
import { get, getString, parsePlist, PlistParseError, type PNode, type Pos } from './plist-read.js';
import { lintPayloadRules } from './lint-rules.js';
import { lintExtensions, type ExtensionLintOptions } from './lint-extensions.js';
import { foreignName } from './ddm-names.js';
import { compareVersions, didYouMean, normaliseMacOS } from './util.js';

import { Linter, join, type Finding } from './linter.js';

export type { Severity } from './finding-codes.js';
export type { Finding } from './linter.js';

/** A URL an extensible-SSO payload claims, for conflicts across payloads and files. */
export interface ClaimedUrl { readonly url: string; readonly path: string; readonly pos?: Pos }

/** virtualMac and attestation: the real-Mac rules of lint-extensions.ts. */
export interface LintOptions extends ExtensionLintOptions {
  /** macOS version the fleet runs ('14', '15.4', '26'); decides which keys are known. Default: latest release. */
  readonly targetMacOS?: string;
  /** Base URL of the identity provider (its issuer); WebLoginURLAllowList must cover its host. Default: the payload's first URL. */
  readonly issuer?: string;
}

export interface LintResult {
  readonly ok: boolean;
  readonly format: 'xml' | 'binary' | 'unreadable';
  readonly signed: boolean;
  readonly signers: SignerReport[];
  readonly targetMacOS: string;
  readonly findings: Finding[];
  readonly counts: { error: number; warning: number; note: number };
  /** URLs claimed by each extensible-SSO payload, for conflicts across files (lintProfiles). */
  readonly claimedUrls: ClaimedUrl[];
}

/** The newest released macOS this linter knows; used when no target is given. */
export const LATEST_MACOS = '26.2';

const kindName: Record<PlistKind, string> = {
  string: 'string', integer: 'integer', real: 'real', boolean: 'boolean (<true/> or <false/>)', date: 'date', data: 'data', array: 'array', dict: 'dictionary',
};
const a = (k: PlistKind) => `${/^[aeiou]/.test(kindName[k]) ? 'an' : 'a'} ${kindName[k]}`;

const standardPayloadKeys = ['PayloadType', 'PayloadUUID', 'PayloadIdentifier', 'PayloadVersion', 'PayloadDisplayName', 'PayloadDescription', 'PayloadOrganization'];

function keysFor(scope: KeyScope): Map<string, KeySpec> {
  const m = new Map(specsIn(scope));
  if (scope === 'payload') for (const k of standardPayloadKeys) m.set(k, specsIn('profile').get(k)!);
  return m;
}

/** Checks every key of a dictionary against its scope: unknown, misplaced, type, values, version. */
export function checkDict(l: Linter, dict: PNode & { kind: 'dict' }, path: string, scope: KeyScope): void {
  const known = keysFor(scope);
  for (const e of dict.entries) {
    const p = join(path, e.key);
    const spec = known.get(e.key);
    if (spec) { checkValue(l, spec, e.value, p, e.pos); continue; }
    const elsewhere = findSpecs(e.key).find((s) => s.scope !== scope && s.scope !== 'profile');
    if (elsewhere) { misplaced(l, e.key, p, scope, elsewhere, e.pos); continue; }
    const foreign = scope === 'payload' || scope === 'platformSSO' ? foreignName(e.key) : undefined;
    if (foreign) {
      l.add('PSSO-L029', p, foreign.since, `${foreign.what}; macOS does not read it in ${scopeLabel[scope]}, so the setting is not applied.`, `${foreign.instead[0]!.toUpperCase()}${foreign.instead.slice(1)}.`, { pos: e.pos });
      continue;
    }
    const suggestion = didYouMean(e.key, known.keys());
    const other = suggestion ? undefined : didYouMean(e.key, keySpecs.filter((s) => s.scope !== 'profile').map((s) => s.name));
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : other ? ` Did you mean "${other}" (which belongs in ${scopeLabel[findSpecs(other)[0]!.scope]})?` : '';
    l.add('PSSO-L001', p, scope === 'profile' ? '10.7' : '14.0',
      `Unknown key "${e.key}" in ${scopeLabel[scope]}.${hint} macOS ignores unknown keys, so the setting you meant is not applied.`,
      suggestion ? `Rename the key to "${suggestion}" (keys are case-sensitive).` : other ? `Move it to ${scopeLabel[findSpecs(other)[0]!.scope]} and name it "${other}".` : 'Remove the key, or check the spelling against `openpsso profile explain`.',
      { severity: scope === 'profile' ? 'warning' : 'error', pos: e.pos });
  }
}

function misplaced(l: Linter, key: string, path: string, scope: KeyScope, right: KeySpec, pos?: Pos): void {
  let where = `in ${scopeLabel[right.scope]}`;
  let fix = `Move "${key}" into ${scopeLabel[right.scope]}.`;
  if (right.scope === 'payload' && scope === 'platformSSO') {
    where = 'at the payload level (next to ExtensionIdentifier), not inside PlatformSSO';
    fix = `Move "${key}" out of the PlatformSSO dictionary up to the payload dictionary.`;
  } else if (right.scope === 'platformSSO') {
    fix = `Move "${key}" into the PlatformSSO dictionary of the payload.`;
  } else if (right.scope === 'tokenToUserMapping') {
    fix = `Put "${key}" inside a TokenToUserMapping dictionary within PlatformSSO.`;
  } else if (right.scope === 'payload' && scope === 'profile') {
    fix = `Move "${key}" into the com.apple.extensiblesso payload inside PayloadContent.`;
  }
  l.add('PSSO-L005', path, right.since, `"${key}" is in ${scopeLabel[scope]}, but it belongs ${where}. macOS does not look for it here, so it has no effect.`, fix, { pos });
}

function describe(n: PNode): string {
  switch (n.kind) {
    case 'string': return `the string "${n.value.length > 40 ? `${n.value.slice(0, 40)}…` : n.value}"`;
    case 'integer': case 'real': return `${n.kind} ${n.value}`;
    case 'boolean': return n.value ? '<true/>' : '<false/>';
    default: return `a ${kindName[n.kind]}`;
  }
}

function typeFix(spec: KeySpec, n: PNode, want: PlistKind): string {
  if (want === 'integer' && n.kind === 'string' && /^\s*\d+\s*$/.test(n.value)) return `Write <integer>${n.value.trim()}</integer> instead of <string>${n.value}</string>.`;
  if (want === 'integer' && n.kind === 'real') return `Write <integer>${Math.round(n.value)}</integer>.`;
  if (want === 'boolean' && n.kind === 'string' && /^(true|false|yes|no|1|0)$/i.test(n.value.trim())) return `Write <${/^(true|yes|1)$/i.test(n.value.trim()) ? 'true' : 'false'}/> instead of a string.`;
  if (want === 'boolean' && n.kind === 'integer') return `Write <${n.value ? 'true' : 'false'}/> instead of an integer.`;
  if (want === 'array' && n.kind === 'string') return `Wrap the value in an array: <array><string>${n.value}</string></array>.`;
  return `Give ${spec.name} ${a(want)} value.`;
}

function typeOk(want: PlistKind, n: PNode): boolean {
  return n.kind === want || (want === 'real' && n.kind === 'integer');
}

export function checkValue(l: Linter, spec: KeySpec, n: PNode, path: string, keyPos?: Pos): void {
  const pos = n.pos ?? keyPos;
  if (!l.knows(spec.since)) {
    l.add('PSSO-L007', path, spec.since, `${spec.name} needs macOS ${spec.since}${spec.prerelease ? ' (pre-release)' : ''}; the target macOS ${l.target} does not know it and ignores it.`,
      `Remove it, or raise the target if every Mac runs macOS ${spec.since} or later.`, { pos: keyPos ?? pos });
  } else if (spec.prerelease) {
    l.add('PSSO-L046', path, spec.since, `${spec.name} comes from a pre-release macOS ${spec.since} schema and may change before release.`, 'Re-check the key against the released documentation before deploying.', { pos: keyPos ?? pos });
  }
  if (!typeOk(spec.type, n)) {
    l.add('PSSO-L003', path, spec.since, `${spec.name} must be ${a(spec.type)}, but it is ${describe(n)}. macOS ignores a value of the wrong type.`, typeFix(spec, n, spec.type), { pos });
    return;
  }
  if (n.kind === 'string') {
    if (n.value.trim() === '' && spec.scope !== 'profile') {
      l.add('PSSO-L023', path, spec.since, `${spec.name} is an empty string.`, `Give ${spec.name} a value or remove the key.`, { pos });
      return;
    }
    checkEnum(l, spec, n.value, path, pos);
  }
  if (n.kind === 'integer' && spec.min !== undefined && n.value < spec.min) {
    const hours = spec.name === 'LoginFrequency' && n.value > 0 && n.value <= 168 ? ` (${n.value} looks like hours: ${n.value} h = ${n.value * 3600} seconds)` : '';
    l.add('PSSO-L004', path, spec.since, `${spec.name} is ${n.value}, below the minimum of ${spec.min}${spec.name === 'LoginFrequency' ? ' seconds' : ''}${hours}.`,
      spec.name === 'LoginFrequency' ? 'Use seconds, at least 3600 (1 hour); the default is 64800 (18 hours).' : `Use a value of at least ${spec.min}.`, { pos });
  }
  if (n.kind === 'array') {
    const item = spec.itemType;
    const seen = new Set<string>();
    n.items.forEach((it, i) => {
      const ip = `${path}[${i}]`;
      if (item && !typeOk(item, it)) {
        l.add('PSSO-L003', ip, spec.since, `Every entry of ${spec.name} must be ${a(item)}, but entry ${i} is ${describe(it)}.`, `Make entry ${i} ${a(item)}.`, { pos: it.pos ?? pos });
        return;
      }
      if (it.kind === 'string') {
        if (seen.has(it.value)) l.add('PSSO-L034', ip, spec.since, `"${it.value}" appears more than once in ${spec.name}.`, 'Remove the duplicate entry.', { pos: it.pos ?? pos });
        seen.add(it.value);
        checkEnum(l, spec, it.value, ip, it.pos ?? pos);
      }
    });
    if (spec.maxItems !== undefined && n.items.length > spec.maxItems) {
      l.add('PSSO-L004', path, spec.since, `${spec.name} lists ${n.items.length} entries; Apple caps it at ${spec.maxItems}.`, `Keep at most ${spec.maxItems} entries.`, { pos });
    }
  }
  if (n.kind === 'dict') {
    if (spec.name === 'PlatformSSO' || spec.name === 'ExtensionData' || spec.name === 'ConsentText') return; // checked elsewhere / free-form
    if (spec.name === 'TokenToUserMapping') { checkDict(l, n, path, 'tokenToUserMapping'); return; }
    if (spec.itemType) {
      for (const e of n.entries) {
        if (!typeOk(spec.itemType, e.value)) {
          l.add('PSSO-L003', join(path, e.key), spec.since, `Every value in ${spec.name} must be ${a(spec.itemType)}, but "${e.key}" is ${describe(e.value)}.`, `Make the value of "${e.key}" ${a(spec.itemType)}.`, { pos: e.value.pos ?? e.pos ?? pos });
        }
      }
      if (spec.maxItems !== undefined && n.entries.length > spec.maxItems) {
        l.add('PSSO-L004', path, spec.since, `${spec.name} has ${n.entries.length} entries; the limit is ${spec.maxItems}.`, `Keep at most ${spec.maxItems} entries.`, { pos });
      }
    }
  }
}

function checkEnum(l: Linter, spec: KeySpec, value: string, path: string, pos?: Pos): void {
  if (!spec.values) return;
  const v = spec.values.find((x) => x.value === value);
  if (!v) {
    const names = spec.values.map((x) => x.value);
    const s = didYouMean(value, names);
    l.add('PSSO-L002', path, spec.since,
      `"${value}" is not a valid ${spec.name} value.${s ? ` Did you mean "${s}"?` : ''} Allowed: ${names.join(', ')}.`,
      s ? `Change the value to "${s}" (values are case-sensitive).` : `Use one of: ${names.join(', ')}.`, { pos });
    return;
  }
  if (v.since && !l.knows(v.since)) {
    // OpenID as the method is worse than ignored below macOS 27 (registration never starts): PSSO-L028.
    if (spec.scope === 'platformSSO' && spec.name === 'AuthenticationMethod' && value === 'OpenID') return;
    l.add('PSSO-L007', path, v.since, `${spec.name} value "${value}" needs macOS ${v.since}; the target macOS ${l.target} does not know it.`, `Remove "${value}", or raise the target if every Mac runs macOS ${v.since} or later.`, { pos });
  } else if (v.since && compareVersions(v.since, LATEST_MACOS) > 0) {
    l.add('PSSO-L046', path, v.since, `${spec.name} value "${value}" comes from a pre-release macOS ${v.since} schema and may change.`, 'Re-check it against the released documentation before deploying.', { pos });
  }
}

// ---------------------------------------------------------------- driver

export function resolveTarget(t?: string): string {
  if (t === undefined) return LATEST_MACOS;
  const n = normaliseMacOS(t);
  if (!n) throw new RangeError(`unknown macOS version "${t}"; use 13, 14, 15, 15.4, 26, ...`);
  return n;
}

/** Lints one profile. Never throws on bad input: unreadable files become a PSSO-L000 finding. */
export function lintProfile(bytes: Buffer, opts: LintOptions = {}): LintResult {
  const target = resolveTarget(opts.targetMacOS);
  const l = new Linter(target, opts.issuer);
  let signers: SignerReport[] = [];
  let signed = false;
  let content = bytes;
  const claimedUrls: ClaimedUrl[] = [];
  const finish = (format: LintResult['format']): LintResult => {
    const counts = { error: 0, warning: 0, note: 0 };
    for (const f of l.findings) counts[f.severity]++;
    return { ok: counts.error === 0, format, signed, signers, targetMacOS: target, findings: l.findings, counts, claimedUrls };
  };
  if (bytes.length === 0) {
    l.add('PSSO-L000', '', '10.7', 'The file is empty.', 'Export the profile again.', { pos: { line: 1, column: 1 } });
    return finish('unreadable');
  }
  if (looksSigned(bytes)) {
    try {
      const opened = openSignedProfile(bytes);
      signed = true;
      signers = opened.signers;
      content = opened.content;
      reportSigners(l, signers);
    } catch (err) {
      const msg = err instanceof SignedProfileError ? err.message : `the CMS structure is unreadable (${(err as Error).message})`;
      l.add('PSSO-L000', '', '10.7', `Cannot read the signed profile: ${msg}.`, 'Re-export or re-sign the profile (CMS SignedData with the content attached).');
      return finish('unreadable');
    }
  }
  let parsed;
  try {
    parsed = parsePlist(content);
  } catch (err) {
    if (!(err instanceof PlistParseError)) throw err;
    const at = err.line ? ` at line ${err.line}, column ${err.column ?? 1}` : '';
    l.add('PSSO-L000', '', '10.7', `Cannot parse the property list${at}: ${err.message}.`,
      'Fix the syntax at that position (an XML editor or `plutil -lint FILE` on a Mac shows the same place).',
      { pos: err.line ? { line: err.line, column: err.column ?? 1 } : undefined });
    return finish('unreadable');
  }
  for (const d of parsed.duplicateKeys) {
    l.add('PSSO-L033', d.path, '10.7', `Key "${d.key}" appears twice in the same dictionary; only one value takes effect.`, 'Remove one of the two entries.', { pos: d.pos });
  }
  const root = parsed.root;
  if (root.kind !== 'dict') {
    l.add('PSSO-L009', '', '10.7', `The property list's root is ${describe(root)}, not a dictionary, so it is not a configuration profile.`, 'Lint a .mobileconfig file.', { pos: root.pos });
    return finish(parsed.format);
  }
  const type = getString(root, 'PayloadType');
  if (type === EXTENSIBLE_SSO) {
    // A bare payload dictionary (as MDM consoles export it): lint it on its own.
    lintPayload(l, root, '', getString(root, 'PayloadScope'), claimedUrls);
  } else {
    lintProfileRoot(l, root, claimedUrls);
  }
  lintExtensions(l, root, opts);
  lintCrossPayload(l, claimedUrls);
  return finish(parsed.format);
}

function reportSigners(l: Linter, signers: SignerReport[]): void {
  if (signers.length === 0) {
    l.add('PSSO-L050', '', '10.7', 'The profile is wrapped in CMS SignedData but has no signer.', 'Sign the profile again with a certificate and key.');
  }
  const now = Date.now();
  for (const s of signers) {
    if (!s.signatureValid) {
      l.add('PSSO-L050', '', '10.7', `The signature by "${s.subject}" does not verify: ${s.problem ?? 'unknown reason'}. MDMs and macOS reject or flag the profile.`, 'Sign the final file again; do not edit a signed profile.');
      continue;
    }
    l.add('PSSO-L051', '', '10.7', `Signed by "${s.subject}" (issuer "${s.issuer}"); the signature matches the content. Whether macOS shows it as verified depends on the Mac trusting that issuer.`, 'Nothing to fix; make sure the issuing CA is trusted on the Macs (or use a publicly trusted signing certificate).');
    if ((s.notAfter && s.notAfter.getTime() < now) || (s.notBefore && s.notBefore.getTime() > now)) {
      l.add('PSSO-L052', '', '10.7', `The signer certificate "${s.subject}" is ${s.notAfter && s.notAfter.getTime() < now ? `expired (${s.notAfter.toISOString()})` : 'not yet valid'}; the profile shows as not verified.`, 'Sign with a currently valid certificate.');
    }
  }
}

function lintProfileRoot(l: Linter, root: PNode & { kind: 'dict' }, claimed: ClaimedUrl[]): void {
  checkDict(l, root, '', 'profile');
  const type = get(root, 'PayloadType');
  if (type?.kind === 'string' && type.value !== 'Configuration') {
    l.add('PSSO-L009', 'PayloadType', '10.7', `The profile's PayloadType is "${type.value}", expected "Configuration".`, 'Set PayloadType to Configuration at the profile root.', { pos: type.pos });
  }
  for (const k of ['PayloadType', 'PayloadUUID', 'PayloadIdentifier', 'PayloadVersion']) {
    if (!get(root, k)) l.add('PSSO-L006', k, '10.7', `The profile has no ${k}.`, `Add ${k} at the profile root.`, { pos: root.pos });
  }
  const content = get(root, 'PayloadContent');
  if (!content) {
    l.add('PSSO-L006', 'PayloadContent', '10.7', 'The profile has no PayloadContent array, so it installs nothing.', 'Add PayloadContent with a com.apple.extensiblesso payload.', { pos: root.pos });
    return;
  }
  if (content.kind !== 'array') return; // wrong type already reported
  const scope = getString(root, 'PayloadScope');
  let found = 0;
  let pssoAt: string | undefined;
  const ids = new Map<string, string>();
  const note = (kind: string, v: PNode | undefined, p: string) => {
    if (v?.kind !== 'string') return;
    const prev = ids.get(`${kind}:${v.value}`);
    if (prev !== undefined) l.add('PSSO-L032', p, '10.7', `${kind} "${v.value}" is used by ${prev === '' ? 'the profile root' : prev} as well; each payload needs its own.`, `Give ${p === '' ? 'the profile' : 'this payload'} a unique ${kind}.`, { pos: v.pos });
    else ids.set(`${kind}:${v.value}`, p.replace(/\.Payload\w+$/, '').replace(/^Payload\w+$/, ''));
  };
  note('PayloadUUID', get(root, 'PayloadUUID'), 'PayloadUUID');
  note('PayloadIdentifier', get(root, 'PayloadIdentifier'), 'PayloadIdentifier');
  content.items.forEach((p, i) => {
    const path = `PayloadContent[${i}]`;
    if (p.kind !== 'dict') return; // reported by the item type check
    note('PayloadUUID', get(p, 'PayloadUUID'), `${path}.PayloadUUID`);
    note('PayloadIdentifier', get(p, 'PayloadIdentifier'), `${path}.PayloadIdentifier`);
    if (getString(p, 'PayloadType') !== EXTENSIBLE_SSO) return;
    found++;
    if (get(p, 'PlatformSSO')?.kind === 'dict') {
      if (pssoAt !== undefined) {
        l.add('PSSO-L031', join(path, 'PlatformSSO'), '14.0', `A second Platform SSO payload (the first is ${pssoAt}); a Mac registers with one Platform SSO extension only, and the payloads conflict.`, 'Keep one Platform SSO payload per profile and per Mac.', { pos: get(p, 'PlatformSSO')?.pos });
      } else pssoAt = path;
    }
    lintPayload(l, p, path, scope, claimed);
  });
  if (found === 0) {
    l.add('PSSO-L009', 'PayloadContent', '10.15', 'The profile contains no com.apple.extensiblesso payload, so it configures no SSO extension.', 'Add a payload with PayloadType com.apple.extensiblesso (see `openpsso profile generate`).', { pos: content.pos });
  }
}

function lintPayload(l: Linter, p: PNode & { kind: 'dict' }, path: string, scope: string | undefined, claimed: ClaimedUrl[]): void {
  checkDict(l, p, path, 'payload');
  const type = getString(p, 'Type');
  for (const k of ['PayloadUUID', 'PayloadIdentifier', 'PayloadVersion', 'ExtensionIdentifier', 'TeamIdentifier', 'Type']) {
    if (!get(p, k)) {
      const spec = findSpecs(k)[0]!;
      l.add('PSSO-L006', join(path, k), spec.since, `The SSO payload has no ${k}. ${spec.summary}`, `Add ${k} to the payload.`, { pos: p.pos });
    }
  }
  if (type === 'Redirect' && !get(p, 'URLs')) {
    l.add('PSSO-L006', join(path, 'URLs'), '10.15', 'A Redirect SSO payload needs URLs: the identity provider URLs the extension handles.', 'Add URLs with the base URL of your identity provider (e.g. https://sso.example.com).', { pos: p.pos });
  }
  if (type === 'Credential' && !get(p, 'Hosts')) {
    l.add('PSSO-L006', join(path, 'Hosts'), '10.15', 'A Credential SSO payload needs Hosts.', 'Add Hosts, or use Type Redirect for Platform SSO.', { pos: p.pos });
  }
  const pss = get(p, 'PlatformSSO');
  // On macOS 13 the whole dictionary is ignored (reported once, as PSSO-L007 on PlatformSSO).
  if (pss?.kind === 'dict' && l.knows('14.0')) checkDict(l, pss, join(path, 'PlatformSSO'), 'platformSSO');
  lintPayloadRules(l, p, path, scope, claimed);
}

/** Two payloads of one file claiming the same URL (Intune error 10002). */
function lintCrossPayload(l: Linter, claimed: ClaimedUrl[]): void {
  const byKey = new Map<string, string>();
  for (const c of claimed) {
    const key = urlKey(c.url);
    const owner = payloadOf(c.path);
    const prev = byKey.get(key);
    if (prev !== undefined && payloadOf(prev) !== owner) {
      l.add('PSSO-L030', c.path, '10.15', `"${c.url}" is also claimed by ${payloadOf(prev) || 'another payload'}. Two extensible-SSO payloads with the same URL conflict; Intune reports error 10002 "multiple SSOe payloads".`,
        'Keep one SSO payload per identity provider: remove the old SSO-extension payload or profile, or drop the URL from one of them.', { pos: c.pos });
    } else if (prev === undefined) byKey.set(key, c.path);
  }
}

export function payloadOf(path: string): string {
  return /^PayloadContent\[\d+\]/.exec(path)?.[0] ?? '';
}

/** Scheme and host compare case-insensitively; a trailing slash does not make a URL different. */
export function urlKey(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return u.toLowerCase().replace(/\/+$/, '');
  }
}

export interface NamedProfile { readonly name: string; readonly bytes: Buffer }

/** Lints several profiles and adds PSSO-L030 where two files claim the same URL. */
export function lintProfiles(files: readonly NamedProfile[], opts: LintOptions = {}): { name: string; result: LintResult }[] {
  const out = files.map((f) => ({ name: f.name, result: lintProfile(f.bytes, opts) }));
  const owner = new Map<string, string>();
  for (const { name, result } of out) {
    const mine = new Set<string>();
    for (const c of result.claimedUrls) {
      const key = urlKey(c.url);
      const prev = owner.get(key);
      if (prev !== undefined && prev !== name && !mine.has(key)) {
        mine.add(key);
        result.findings.push({
          code: 'PSSO-L030', path: c.path, severity: 'error', macOS: '10.15',
          message: `"${c.url}" is also claimed by an SSO payload in ${prev}. If both profiles reach the same Mac they conflict; Intune reports error 10002 "multiple SSOe payloads".`,
          fix: 'Assign only one extensible-SSO profile per identity provider to a device; retire the older profile.',
        });
        (result.counts as { error: number }).error++;
        (result as { ok: boolean }).ok = false;
      } else if (prev === undefined) owner.set(key, name);
    }
  }
  return out;
}
