import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LocationRange } from '../../src/traffic/model.js';
import { Locator, parseAddress, parseCidr, parseIPv4, parseIPv6, validateLocationRanges } from '../../src/traffic/locality/locate.js';

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 4294967295],
    ['10.1.2.3', 167838211], // 10*2^24 + 1*2^16 + 2*2^8 + 3
    ['192.168.0.1', 3232235521], // 192*2^24 + 168*2^16 + 1
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['256.1.1.1', undefined],
    ['01.2.3.4', undefined],
    ['1.2.3.4 ', undefined],
    ['', undefined],
    ['1..2.3', undefined],
    ['1.2.3.-4', undefined],
    ['1234.1.1.1', undefined],
    ['0x1.2.3.4', undefined],
  ])('%j -> %s', (text, want) => {
    expect(parseIPv4(text)).toBe(want);
    expect(want !== undefined).toBe(isIP(text) === 4);
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['2001:db8::1', [0x20010db8, 0, 0, 1]],
    ['2001:DB8:0:0:0:0:0:1', [0x20010db8, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['::ffff:1.2.3.4', [0, 0, 0xffff, 0x01020304]],
    ['::1.2.3.4', [0, 0, 0, 0x01020304]],
    ['1:2:3:4:5:6:1.2.3.4', [0x00010002, 0x00030004, 0x00050006, 0x01020304]],
    ['fe80::', [0xfe800000, 0, 0, 0]],
    ['1::2::3', undefined],
    [':::', undefined],
    [':1::', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1:2:3:4:5:6:7', undefined],
    ['1:2:3:4:5:6:7:8::', undefined],
    ['12345::', undefined],
    ['g::', undefined],
    ['1.2.3.4::', undefined],
    ['::1.2.3', undefined],
  ])('%j', (text, want) => {
    expect(parseIPv6(text)).toEqual(want);
    expect(want !== undefined).toBe(isIP(text) === 6);
  });
});

describe('parseAddress', () => {
  it.each([
    ['10.1.2.3', { family: 4, words: [167838211] }],
    ['::ffff:10.1.2.3', { family: 4, words: [167838211] }],
    ['::FFFF:10.1.2.3', { family: 4, words: [167838211] }],
    ['::ffff:a01:203', { family: 4, words: [167838211] }],
    ['2001:db8::1', { family: 6, words: [0x20010db8, 0, 0, 1] }],
    ['fe80::1%eth0', { family: 6, words: [0xfe800000, 0, 0, 1] }],
    ['fe80::1%', undefined],
    ['localhost', undefined],
    ['', undefined],
    ['[::1]', undefined],
  ])('%j', (text, want) => {
    expect(parseAddress(text)).toEqual(want);
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { family: 4, words: [167772160], prefix: 8 }],
    ['10.1.2.3/8', { family: 4, words: [167772160], prefix: 8 }],
    ['10.1.2.3/32', { family: 4, words: [167838211], prefix: 32 }],
    ['10.1.2.3/23', { family: 4, words: [167838208], prefix: 23 }], // 10.1.2.0
    ['0.0.0.0/0', { family: 4, words: [0], prefix: 0 }],
    ['2001:db8::/32', { family: 6, words: [0x20010db8, 0, 0, 0], prefix: 32 }],
    ['2001:db8:ffff::/33', { family: 6, words: [0x20010db8, 0x80000000, 0, 0], prefix: 33 }],
    ['::/0', { family: 6, words: [0, 0, 0, 0], prefix: 0 }],
    ['::ffff:10.0.0.0/104', { family: 4, words: [167772160], prefix: 8 }],
    ['::ffff:0:0/96', { family: 4, words: [0], prefix: 0 }],
  ])('%s', (text, want) => {
    expect(parseCidr(text)).toEqual(want);
  });

  it.each([
    ['10.0.0.0', /want address\/prefix-length/],
    ['10.0.0.0/33', /IPv4 prefix length must be 0 to 32/],
    ['2001:db8::/129', /IPv6 prefix length must be 0 to 128/],
    ['10.0.0/8', /"10.0.0" is not an IPv4 address/],
    ['010.0.0.0/8', /not an IPv4 address/],
    ['10.0.0.0/08', /prefix length "08" is not a decimal number/],
    ['10.0.0.0/-1', /not a decimal number/],
    ['10.0.0.0/ 8', /not a decimal number/],
    ['10.0.0.0/', /not a decimal number/],
    ['fe80::%eth0/64', /a zone is not allowed/],
    ['2001:db8:::/32', /not an IPv6 address/],
    ['/8', /not an IPv4 address/],
  ])('%j is refused', (text, message) => {
    expect(parseCidr(text)).toMatch(message);
  });
});

const US = { region: 'us-central1' };
const US_A = { region: 'us-central1', zone: 'us-central1-a' };
const EU_B = { region: 'europe-west1', zone: 'europe-west1-b' };
const ASIA = { region: 'asia-east1' };
const ASIA_A = { region: 'asia-east1', zone: 'asia-east1-a' };
const EU = { region: 'europe-west1' };

const TABLE: LocationRange[] = [
  { cidr: '10.0.0.0/8', location: US },
  { cidr: '10.1.0.0/16', location: US_A },
  { cidr: '10.1.2.0/24', location: EU_B },
  { cidr: '10.1.2.128/25', location: {} }, // carved out: unknown
  { cidr: '2001:db8::/32', location: ASIA },
  { cidr: '2001:db8:1::/48', location: ASIA_A },
  { cidr: '::ffff:192.168.0.0/112', location: EU }, // = 192.168.0.0/16
  { cidr: '10.0.0.0/33', location: US },
  { cidr: '10.1.9.9/16', location: EU }, // the same prefix as entry 1
  { cidr: '172.16.0.0/12', location: { zone: '' } },
  { cidr: 42 as unknown as string, location: US },
];

describe('Locator', () => {
  const locator = new Locator(TABLE);

  it.each([
    ['10.200.0.1', US],
    ['10.1.9.9', US_A],
    ['10.1.2.3', EU_B],
    ['10.1.2.127', EU_B],
    ['10.1.2.128', {}],
    ['10.1.2.255', {}],
    ['::ffff:10.1.2.3', EU_B],
    ['2001:db8:1:2::3', ASIA_A],
    ['2001:db8:2::1', ASIA],
    ['2001:db9::1', undefined],
    ['192.168.3.4', EU],
    ['::ffff:192.168.3.4', EU],
    ['11.0.0.1', undefined],
    ['172.16.0.1', undefined],
    ['garbage', undefined],
  ])('%s -> %j', (address, want) => {
    expect(locator.locate(address)).toEqual(want);
  });

  it('reports invalid and duplicate entries, and skips them', () => {
    expect(locator.size).toBe(7);
    expect(locator.errors.map((e) => [e.index, e.cidr])).toEqual([
      [7, '10.0.0.0/33'],
      [8, '10.1.9.9/16'],
      [9, '172.16.0.0/12'],
      [10, '42'],
    ]);
    expect(locator.errors[1]!.message).toMatch(/duplicate CIDR/);
    expect(locator.errors[2]!.message).toMatch(/location.zone must be a non-empty string/);
    expect(validateLocationRanges(TABLE)).toEqual(locator.errors);
    expect(validateLocationRanges(TABLE.slice(0, 7))).toEqual([]);
  });

  it('asks the fallback only when no range matches', () => {
    const seen: string[] = [];
    const withFallback = new Locator(TABLE, (address) => {
      seen.push(address);
      return { region: 'from-fallback' };
    });
    expect(withFallback.locate('11.0.0.1')).toEqual({ region: 'from-fallback' });
    expect(withFallback.locate('10.1.2.200')).toEqual({});
    expect(seen).toEqual(['11.0.0.1']);
  });

  it('a default route catches the rest of its family only', () => {
    const l = new Locator([
      { cidr: '0.0.0.0/0', location: US },
      { cidr: '::/0', location: ASIA },
    ]);
    expect(l.locate('8.8.8.8')).toEqual(US);
    expect(l.locate('::ffff:8.8.8.8')).toEqual(US);
    expect(l.locate('2a00::1')).toEqual(ASIA);
  });

  it('finds the longest prefix among thousands of ranges, as a linear scan does', () => {
    // 4096 /24s 10.i.j.0 (i < 16) each in zone z<256i+j>, inside 10.0.0.0/12 (region r0); /28s on every 7th.
    const ranges: LocationRange[] = [{ cidr: '10.0.0.0/12', location: { region: 'r0' } }];
    for (let n = 0; n < 4096; n++) ranges.push({ cidr: `10.${n >> 8}.${n & 255}.0/24`, location: { zone: `z${n}` } });
    for (let n = 0; n < 4096; n += 7) ranges.push({ cidr: `10.${n >> 8}.${n & 255}.16/28`, location: { zone: `small${n}` } });
    const big = new Locator(ranges);
    expect(big.errors).toEqual([]);
    expect(big.locate('10.3.7.9')).toEqual({ zone: 'z775' }); // 3*256 + 7
    expect(big.locate('10.3.7.20')).toEqual({ zone: 'z775' }); // 775 is not a multiple of 7
    expect(big.locate('10.3.0.20')).toEqual({ zone: 'z768' }); // 768 = 7*109 + 5
    expect(big.locate('10.3.2.20')).toEqual({ zone: 'small770' }); // 770 = 7*110
    expect(big.locate('10.3.2.32')).toEqual({ zone: 'z770' }); // past the /28 (.16 to .31)
    expect(big.locate('10.0.7.20')).toEqual({ zone: 'small7' });
    expect(big.locate('10.16.0.1')).toBeUndefined();

    // A reference: linear scan, longest prefix, over the same table.
    const toNum = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
    const parsed = ranges.map((r) => {
      const [net, len] = r.cidr.split('/') as [string, string];
      return { start: toNum(net), size: 2 ** (32 - Number(len)), len: Number(len), location: r.location };
    });
    const scan = (address: string) => {
      const a = toNum(address);
      let best: (typeof parsed)[number] | undefined;
      for (const r of parsed) if (a >= r.start && a < r.start + r.size && (!best || r.len > best.len)) best = r;
      return best?.location;
    };
    let seed = 7;
    for (let k = 0; k < 500; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const address = `10.${seed % 17}.${(seed >> 5) & 255}.${(seed >> 13) & 255}`;
      expect(big.locate(address), address).toEqual(scan(address));
    }
  });
});
