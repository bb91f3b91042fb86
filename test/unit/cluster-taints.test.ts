/** kubectl-style taint arguments and their effect on a cluster's taints: table-driven. */
import { describe, expect, it } from 'vitest';
import { applyTaintChange, parseTaintArgs } from '../../src/federation/clusters/cluster-taints.js';
import type { Taint } from '../../src/federation/planning/scheduling-types.js';

const NOW = new Date('2026-01-02T03:04:05.678Z');

describe('parseTaintArgs', () => {
  it.each([
    [['dedicated=gpu:NoSchedule'], { add: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], remove: [] }],
    [['maintenance:NoExecute'], { add: [{ key: 'maintenance', effect: 'NoExecute' }], remove: [] }],
    [['dedicated:NoSchedule-'], { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] }],
    [['dedicated-'], { add: [], remove: [{ key: 'dedicated' }] }],
    [['a=1:PreferNoSchedule', 'b-'], { add: [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }], remove: [{ key: 'b' }] }],
  ])('%j', (args, want) => expect(parseTaintArgs(args)).toEqual(want));

  it.each([
    ['dedicated=gpu', /want KEY\[=VALUE\]:EFFECT/],
    ['dedicated=gpu:Sometimes', /effect must be one of NoSchedule, PreferNoSchedule, NoExecute/],
    ['x:Never-', /effect must be one of/],
    ['-', /a removal is KEY- or KEY:EFFECT-/],
  ])('%s is refused', (arg, msg) => expect(() => parseTaintArgs([arg])).toThrow(msg));
});

describe('applyTaintChange', () => {
  const base: Taint[] = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'maintenance', effect: 'NoExecute', timeAdded: '2025-12-31T00:00:00Z' },
  ];
  it.each<[string, string[], boolean, Taint[]]>([
    ['adds a NoSchedule taint as given', ['team=a:NoSchedule'], false, [...base, { key: 'team', value: 'a', effect: 'NoSchedule' }]],
    ['stamps a new NoExecute taint', ['drain:NoExecute'], false, [...base, { key: 'drain', effect: 'NoExecute', timeAdded: '2026-01-02T03:04:05Z' }]],
    ['keeps the timeAdded of a NoExecute taint it overwrites', ['maintenance=soon:NoExecute'], true, [base[0]!, { key: 'maintenance', value: 'soon', effect: 'NoExecute', timeAdded: '2025-12-31T00:00:00Z' }]],
    ['removes one effect of a key', ['maintenance:NoExecute-'], false, [base[0]!]],
    ['removes every effect of a key', ['dedicated-'], false, [base[1]!]],
  ])('%s', (_name, args, overwrite, want) => expect(applyTaintChange(base, parseTaintArgs(args), NOW, overwrite)).toEqual(want));

  it('refuses to change a value without --overwrite, and a removal that matches nothing', () => {
    expect(() => applyTaintChange(base, parseTaintArgs(['dedicated=cpu:NoSchedule']), NOW, false)).toThrow('taint "dedicated:NoSchedule" already has value "gpu"; use --overwrite to change it');
    expect(() => applyTaintChange(base, parseTaintArgs(['absent-']), NOW, false)).toThrow('taint "absent" not found');
  });
});
