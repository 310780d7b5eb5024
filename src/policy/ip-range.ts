// IPv4/IPv6 address and CIDR parsing and matching for ipNamedLocation ranges (RFC 4632, RFC 4291 §2.2, §2.5.5.2).
import { isIPv6 } from 'node:net';

export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

export interface ParsedCidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  /** Bits set below the prefix (203.0.113.5/24); matching masks them, validation reports them. */
  hostBitsSet: boolean;
}

/** Strict dotted quad: leading zeros are refused because some parsers read them as octal. */
function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(input: string): bigint | null {
  const s = input.replace(/%.*$/, ''); // a zone id (fe80::1%en0) says nothing about the range
  if (!isIPv6(s)) return null;
  let groups: string[];
  const halves = s.split('::');
  const toGroups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = toGroups(halves[0] ?? '');
  const tail = toGroups(halves[1] ?? '');
  const expand = (gs: string[]): string[] | null => {
    const last = gs[gs.length - 1];
    if (last !== undefined && last.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === null) return null;
      return [...gs.slice(0, -1), ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
    }
    return gs;
  };
  const h = halves.length === 2 ? head : expand(head);
  const t = expand(tail);
  if (h === null || t === null) return null;
  if (halves.length === 2) {
    groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  } else {
    groups = h;
  }
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Parses an address. An IPv4-mapped IPv6 address (::ffff:203.0.113.5, what a dual-stack socket
 * reports for IPv4 clients) is returned as IPv4, so IPv4 ranges still match it.
 */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  const v4 = parseIpv4(addr);
  const family: 4 | 6 = v4 !== null ? 4 : 6;
  const value = v4 ?? parseIpv6(addr);
  if (value === null) return null;
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return null;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  return { family, network: value & ~hostMask, prefix, hostBitsSet: (value & hostMask) !== 0n };
}

export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  const shift = BigInt(bits - cidr.prefix);
  return ip.value >> shift === cidr.network >> shift;
}
