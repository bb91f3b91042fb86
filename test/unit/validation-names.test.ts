import { describe, expect, it } from 'vitest';
import {
  isCIDR,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isIP,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameRuleErrors,
  nameRuleFn,
} from '../../src/apis/validation/names.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('DNS names', () => {
  const cases: [string, (v: string) => string[], string, string[]][] = [
    ['subdomain ok', isDNS1123Subdomain, 'web.example.com', []],
    ['subdomain upper case', isDNS1123Subdomain, 'Foo', [SUBDOMAIN]],
    ['subdomain too long', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['label ok', isDNS1123Label, 'nginx', []],
    ['label with dots', isDNS1123Label, 'my.name', ['must not contain dots']],
    ['label bad start', isDNS1123Label, '-web', [LABEL]],
    ['label too long', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
    [
      'dns-1035 label starting with a digit',
      isDNS1035Label,
      '1web',
      [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['wildcard ok', isWildcardDNS1123Subdomain, '*.example.com', []],
    [
      'wildcard in the middle',
      isWildcardDNS1123Subdomain,
      'foo.*.com',
      [
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
  ];
  it.each(cases)('%s', (_name, fn, value, want) => expect(fn(value)).toEqual(want));
});

describe('label keys and values', () => {
  const cases: [string, string, string[]][] = [
    ['plain key', 'app', []],
    ['prefixed key', 'app.kubernetes.io/name', []],
    ['space in key', 'bad key', [NAME_PART]],
    ['empty prefix', '/name', ['prefix part must be non-empty']],
    ['bad prefix', 'Example.com/name', ['prefix part ' + SUBDOMAIN]],
    ['empty name', 'example.com/', ['name part must be non-empty', NAME_PART]],
    ['long name', 'a'.repeat(64), ['name part must be no more than 63 characters']],
    [
      'two slashes',
      'a/b/c',
      [
        "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    ],
  ];
  it.each(cases)('qualified name: %s', (_n, v, want) => expect(isQualifiedName(v)).toEqual(want));

  it('label values', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('v1.2_3-x')).toEqual([]);
    expect(isValidLabelValue('-x')).toEqual([LABEL_VALUE]);
    expect(isValidLabelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
});

describe('ports, IPs and CIDRs', () => {
  it('port names follow IANA_SVC_NAME', () => {
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('HTTP')).toEqual(['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('-http')).toEqual(['must not begin or end with a hyphen']);
    expect(isValidPortName('a-very-long-port-name')).toEqual(['must be no more than 15 characters']);
  });

  it('port numbers', () => {
    expect(isValidPortNum(80)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortNum(70000)).toEqual(['must be between 1 and 65535, inclusive']);
  });

  it.each(['10.0.0.1', '010.001.0.1', '::1', '2001:db8::ffff', '::ffff:10.0.0.1', 'fe80::1:2:3:4'])('IP %s is valid', (ip) => expect(isIP(ip)).toEqual([]));
  it.each(['10.0.0', '10.0.0.256', 'a::b::c', '1:2:3:4:5:6:7:8:9', 'example.com', ''])('IP %s is invalid', (ip) =>
    expect(isIP(ip)).toEqual(['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']),
  );
  it('CIDRs', () => {
    expect(isCIDR('10.0.0.0/8')).toEqual([]);
    expect(isCIDR('2001:db8::/64')).toEqual([]);
    expect(isCIDR('10.0.0.0/33')).toEqual(['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
    expect(isCIDR('10.0.0.0')).toEqual(['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
  });
});

describe('other formats', () => {
  it('environment variable names (strict and relaxed)', () => {
    expect(isEnvVarName('MY_VAR.1')).toEqual([]);
    expect(isEnvVarName('1VAR')).toEqual([
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
    ]);
    expect(isRelaxedEnvVarName('1VAR')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual(["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  });

  it('config keys', () => {
    expect(isConfigMapKey('app.properties')).toEqual([]);
    expect(isConfigMapKey('a/b')).toEqual([
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    expect(isConfigMapKey('..data')).toEqual(["must not start with '..'"]);
  });

  it('path segment names', () => {
    expect(isValidPathSegmentName('system:controller:foo')).toEqual([]);
    expect(isValidPathSegmentName('..')).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName('a/b%c')).toEqual(["may not contain '/'", "may not contain '%'"]);
  });
});

describe('nameRuleErrors', () => {
  const cases: [Parameters<typeof nameRuleErrors>[0], string, number][] = [
    ['dns1123-subdomain', 'web.v1', 0],
    ['dns1123-subdomain', 'Web', 1],
    ['dns1123-label', 'web.v1', 1],
    ['path-segment', 'system:admin', 0],
    ['path-segment', 'a/b', 1],
    ['none', 'Anything/At all', 0],
  ];
  it.each(cases)('%s %s', (rule, name, n) => expect(nameRuleErrors(rule, name)).toHaveLength(n));

  it('generateName prefixes may end in a dash', () => {
    expect(nameRuleFn('dns1123-subdomain')('web-', true)).toEqual([]);
    expect(nameRuleFn('dns1123-subdomain')('Web-', true)).toEqual([SUBDOMAIN]);
  });
});
