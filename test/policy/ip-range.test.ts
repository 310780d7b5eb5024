// IPv4/IPv6 parsing and CIDR containment used by named locations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, parseCidr, parseIp } from '../../src/policy/index.js';

const contains = (cidr: string, ip: string): boolean => {
  const c = parseCidr(cidr);
  const a = parseIp(ip);
  assert.ok(c, `cidr ${cidr}`);
  assert.ok(a, `ip ${ip}`);
  return cidrContains(c, a);
};

test('parseIp: valid and invalid addresses', () => {
  assert.deepEqual(parseIp('203.0.113.5'), { family: 4, value: 0xcb007105n });
  assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
  assert.deepEqual(parseIp('2001:db8::'), { family: 6, value: 0x20010db8n << 96n });
  assert.deepEqual(parseIp('::ffff:203.0.113.5'), { family: 4, value: 0xcb007105n }, 'IPv4-mapped becomes IPv4');
  assert.deepEqual(parseIp('::ffff:cb00:7105'), { family: 4, value: 0xcb007105n });
  assert.equal(parseIp('fe80::1%en0')?.family, 6);
  assert.equal(parseIp('64:ff9b::203.0.113.5')?.value, (0x64ff9bn << 96n) | 0xcb007105n);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-1', '2001:db8:::1', '2001:db8::1::2', 'g::1', 'localhost', ' 1.2.3.4']) {
    assert.equal(parseIp(bad), null, bad);
  }
});

test('parseCidr: prefixes, host bits and bounds', () => {
  assert.deepEqual(parseCidr('203.0.113.0/24'), { family: 4, network: 0xcb007100n, prefix: 24, hostBitsSet: false });
  assert.equal(parseCidr('203.0.113.9/24')?.hostBitsSet, true);
  assert.equal(parseCidr('203.0.113.9/24')?.network, 0xcb007100n);
  assert.equal(parseCidr('0.0.0.0/0')?.prefix, 0);
  assert.equal(parseCidr('2001:db8::/128')?.prefix, 128);
  for (const bad of ['203.0.113.0', '203.0.113.0/33', '2001:db8::/129', '203.0.113.0/', '203.0.113.0/024', '/24', 'x/8', '1.2.3.4/8/8']) {
    assert.equal(parseCidr(bad), null, bad);
  }
});

test('cidrContains: IPv4 edges', () => {
  assert.ok(contains('203.0.113.0/24', '203.0.113.0'));
  assert.ok(contains('203.0.113.0/24', '203.0.113.255'));
  assert.ok(!contains('203.0.113.0/24', '203.0.114.0'));
  assert.ok(!contains('203.0.113.0/24', '203.0.112.255'));
  assert.ok(contains('0.0.0.0/0', '8.8.8.8'));
  assert.ok(contains('10.1.2.3/32', '10.1.2.3'));
  assert.ok(!contains('10.1.2.3/32', '10.1.2.4'));
  assert.ok(contains('172.16.0.0/12', '172.31.255.255'));
  assert.ok(!contains('172.16.0.0/12', '172.32.0.0'));
});

test('cidrContains: IPv6 edges and family separation', () => {
  assert.ok(contains('2001:db8:10::/48', '2001:db8:10:ffff:ffff:ffff:ffff:ffff'));
  assert.ok(!contains('2001:db8:10::/48', '2001:db8:11::'));
  assert.ok(contains('::/0', '2001:db8::1'));
  assert.ok(!contains('::/0', '203.0.113.1'), 'an IPv6 range never matches IPv4');
  assert.ok(!contains('0.0.0.0/0', '2001:db8::1'), 'an IPv4 range never matches IPv6');
  assert.ok(contains('203.0.113.0/24', '::ffff:203.0.113.200'), 'dual-stack socket address');
  assert.ok(contains('2001:db8::/127', '2001:db8::1'));
  assert.ok(!contains('2001:db8::/127', '2001:db8::2'));
});
