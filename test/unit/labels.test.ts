import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  labelSelectorConvertible,
  labelSelectorIsEmpty,
  labelSelectorMatcher,
  labelSelectorMatches,
  labelSelectorRequirements,
  labelSelectorString,
  labelsMatch,
  parseLabelSelector,
  requirementsString,
  validateLabelSelector,
  type LabelRequirement,
} from '../../src/apis/meta/labels.js';
import { StatusError } from '../../src/apis/meta/status.js';
import { FieldPath, errorMessage, type FieldError } from '../../src/apis/validation/field.js';

const msgs = (errs: FieldError[]) => errs.map(errorMessage);
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const KEY_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const VALUE_PART = 'must be 63 characters or less and must be empty or begin and end with an alphanumeric character';

describe('parseLabelSelector', () => {
  const ok: [string, LabelRequirement[]][] = [
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: '=', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: '==', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: '!=', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: '=', values: [''] }]],
    ['a', [{ key: 'a', operator: 'exists', values: [] }]],
    ['!a', [{ key: 'a', operator: '!', values: [] }]],
    ['a>1', [{ key: 'a', operator: 'gt', values: ['1'] }]],
    ['a<-1', [{ key: 'a', operator: 'lt', values: ['-1'] }]],
    ['a in (x, y)', [{ key: 'a', operator: 'in', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'notin', values: ['x'] }]],
    ['a in ()', [{ key: 'a', operator: 'in', values: [''] }]],
    [
      ' app.kubernetes.io/name = web , tier in (a,b),!canary',
      [
        { key: 'app.kubernetes.io/name', operator: '=', values: ['web'] },
        { key: 'tier', operator: 'in', values: ['a', 'b'] },
        { key: 'canary', operator: '!', values: [] },
      ],
    ],
  ];
  it.each(ok)('parses %j', (input, want) => expect(parseLabelSelector(input)).toEqual(want));

  const bad: [string, string][] = [
    ['a in (b', "found 'EOF', expected: ',' or ')'"],
    ['a in b', "found 'b', expected: '('"],
    ['a in', "found 'EOF', expected: '('"],
    ['a near (b)', "found 'near', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ','"],
    [',a', "found ',', expected: identifier"],
    ['a>b', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['-a=b', `invalid label key "-a": ${KEY_PART}`],
    ['a=-b', `invalid label value: "-b": ${VALUE_PART}`],
    [`a=${'x'.repeat(64)}`, `invalid label value: "${'x'.repeat(64)}": ${VALUE_PART}`],
  ];
  it.each(bad)('rejects %j with a 400', (input, why) => {
    let err: unknown;
    try {
      parseLabelSelector(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ code: 400, reason: 'BadRequest', message: `unable to parse requirement: ${why}` });
  });
});

describe('labelsMatch (string selectors)', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app==db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['app in (db,web)', labels, true],
    ['app notin (web)', labels, false],
    ['missing notin (web)', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['n>4', labels, true],
    ['n<5', labels, false],
    ['app>1', labels, false],
    ['missing<9', labels, false],
    ['app=web,tier=back', labels, false],
    ['toString', {}, false],
  ];
  it.each(cases)('%j on %j is %s', (sel, l, want) => expect(labelsMatch(parseLabelSelector(sel), l)).toBe(want));
});

describe('requirementsString', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['b=1,a=2', 'a=2,b=1'],
    ['a==1', 'a=1'],
    ['x notin (c,a,b),!w,v', 'v,!w,x notin (a,b,c)'],
    ['n>1,m<2,k!=3', 'k!=3,m<2,n>1'],
    // Ordered by key, stable for one key.
    ['app.kubernetes.io/name=y,app=x,a in (2,1),a', 'a in (1,2),a,app=x,app.kubernetes.io/name=y'],
  ];
  it.each(cases)('%j prints as %j', (sel, want) => expect(requirementsString(parseLabelSelector(sel))).toBe(want));
});

describe('metav1.LabelSelector', () => {
  const matches: [string, unknown, Record<string, string> | undefined, boolean][] = [
    ['missing selector matches nothing', undefined, { app: 'web' }, false],
    ['null selector matches nothing', null, {}, false],
    ['empty selector matches everything', {}, {}, true],
    ['empty selector matches missing labels', {}, undefined, true],
    ['matchLabels', { matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }, true],
    ['matchLabels miss', { matchLabels: { app: 'web' } }, { app: 'db' }, false],
    ['matchLabels on missing labels', { matchLabels: { app: 'web' } }, undefined, false],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, { env: 'b' }, true],
    ['In with absent key', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn with absent key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, {}, true],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, { env: 'a' }, false],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, {}, false],
    ['Exists present', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { env: 'x' }, false],
    ['DoesNotExist absent', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {}, true],
    ['labels and expressions ANDed', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { app: 'web' }, false],
    // Invalid selectors match nothing.
    ['unknown operator', { matchExpressions: [{ key: 'env', operator: 'Gt', values: ['1'] }] }, { env: '5' }, false],
    ['lower-case operator', { matchExpressions: [{ key: 'env', operator: 'exists' }] }, { env: 'x' }, false],
    ['NotIn without values', { matchExpressions: [{ key: 'env', operator: 'NotIn' }] }, {}, false],
    ['Exists with values', { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] }, { env: 'x' }, false],
  ];
  it.each(matches)('%s', (_n, sel, labels, want) => {
    expect(labelSelectorMatches(sel as never, labels)).toBe(want);
    expect(labelSelectorMatcher(sel as never)(labels)).toBe(want);
  });

  const strings: [string, unknown, string | undefined, string][] = [
    ['missing', undefined, '', '<none>'],
    ['empty', {}, '', '<none>'],
    ['matchLabels by key', { matchLabels: { b: '1', 'a.b': '2', a: '3' } }, 'a=3,a.b=2,b=1', 'a=3,a.b=2,b=1'],
    [
      'expressions',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['y', 'x'] }, { key: 'b', operator: 'Exists' }, { key: 'c', operator: 'DoesNotExist' }] },
      'a notin (x,y),b,!c',
      'a notin (x,y),b,!c',
    ],
    ['labels before expressions of one key', { matchLabels: { a: '1' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '0'] }] }, 'a=1,a in (0,1)', 'a=1,a in (0,1)'],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, undefined, '<error>'],
    ['DoesNotExist with values', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, undefined, '<error>'],
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, undefined, '<error>'],
  ];
  it.each(strings)('prints %s', (_n, sel, string, formatted) => {
    expect(labelSelectorString(sel as never)).toBe(string);
    expect(formatLabelSelector(sel as never)).toBe(formatted);
  });

  it('converts to requirements', () => {
    expect(labelSelectorRequirements({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] })).toEqual([
      { key: 'a', operator: '=', values: ['1'] },
      { key: 'b', operator: '!', values: [] },
    ]);
    expect(labelSelectorRequirements(undefined)).toEqual([]);
    expect(labelSelectorRequirements({ matchExpressions: [{ key: 'b', operator: 'Near' }] })).toBeUndefined();
  });

  const empties: [unknown, boolean][] = [
    [undefined, false],
    [null, false],
    [{}, true],
    [{ matchLabels: {}, matchExpressions: [] }, true],
    [{ matchLabels: { a: 'b' } }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, false],
  ];
  it.each(empties)('labelSelectorIsEmpty(%j) is %s', (sel, want) => expect(labelSelectorIsEmpty(sel as never)).toBe(want));
});

describe('validateLabelSelector', () => {
  const p = FieldPath.root('spec').child('selector');
  it('validates operators and values', () => {
    expect(
      msgs(
        validateLabelSelector(
          {
            matchExpressions: [
              { key: 'a', operator: 'In' },
              { key: 'b', operator: 'Exists', values: ['x'] },
              { key: 'c', operator: 'Near', values: ['x'] },
            ],
          },
          p,
        ),
      ),
    ).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
    ]);
    expect(msgs(validateLabelSelector({ matchLabels: { 'bad key': 'x' } }, p))).toEqual([`spec.selector.matchLabels: Invalid value: "bad key": ${NAME_PART}`]);
    expect(validateLabelSelector(undefined, p)).toEqual([]);
  });

  const convertible: [unknown, boolean][] = [
    [undefined, true],
    [{}, true],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, true],
    [{ matchLabels: { 'bad key': 'x' } }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['bad value!'] }] }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'Gt', values: ['1'] }] }, false],
  ];
  it.each(convertible)('labelSelectorConvertible(%j) is %s', (sel, want) => expect(labelSelectorConvertible(sel as never)).toBe(want));
});
