/**
 * Changing a cluster's taints as `kubectl taint nodes` changes a node's: `key=value:Effect` adds
 * (or replaces the value of) a taint, `key:Effect-` removes one, `key-` removes every effect of a
 * key. Taints live in the Cluster object's spec.taints; NoExecute ones get their timeAdded, from
 * which tolerationSeconds count.
 */
import type { KObject } from '../../apis/object.js';
import { isConflict, type KubeClient } from '../client/kube-client.js';
import { CORE_API_VERSION } from '../crds/federation-crds.js';
import { TAINT_EFFECTS } from '../planning/taints.js';
import { TAINT_UNSCHEDULABLE, type Taint, type TaintEffect } from '../planning/scheduling-types.js';

export interface TaintChange {
  add: Taint[];
  /** Removals: a key, with an effect or every effect. */
  remove: { key: string; effect?: TaintEffect }[];
}

/** Parses kubectl-style taint arguments; throws naming the bad one. */
export function parseTaintArgs(args: string[]): TaintChange {
  const out: TaintChange = { add: [], remove: [] };
  for (const a of args) {
    if (a.endsWith('-')) {
      const [key = '', effect] = a.slice(0, -1).split(':');
      if (!key) throw new Error(`invalid taint "${a}": a removal is KEY- or KEY:EFFECT-`);
      if (effect !== undefined && !TAINT_EFFECTS.includes(effect as TaintEffect)) throw new Error(`invalid taint "${a}": effect must be one of ${TAINT_EFFECTS.join(', ')}`);
      out.remove.push({ key, ...(effect ? { effect: effect as TaintEffect } : {}) });
      continue;
    }
    const m = /^([^=:]+)(?:=([^:]*))?:([^:]+)$/.exec(a);
    if (!m) throw new Error(`invalid taint "${a}": want KEY[=VALUE]:EFFECT (e.g. dedicated=gpu:NoSchedule) or KEY[:EFFECT]- to remove`);
    if (!TAINT_EFFECTS.includes(m[3] as TaintEffect)) throw new Error(`invalid taint "${a}": effect must be one of ${TAINT_EFFECTS.join(', ')}`);
    out.add.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as TaintEffect });
  }
  return out;
}

/** The taints after a change; `now` stamps new NoExecute taints. Throws when a removal matches nothing (as kubectl). */
export function applyTaintChange(current: readonly Taint[], change: TaintChange, now: Date, overwrite: boolean): Taint[] {
  let out = [...current];
  for (const r of change.remove) {
    const left = out.filter((t) => !(t.key === r.key && (!r.effect || t.effect === r.effect)));
    if (left.length === out.length) throw new Error(`taint "${r.key}${r.effect ? `:${r.effect}` : ''}" not found`);
    out = left;
  }
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const t of change.add) {
    const i = out.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i >= 0 && !overwrite && (out[i]!.value ?? '') !== (t.value ?? '')) throw new Error(`taint "${t.key}:${t.effect}" already has value "${out[i]!.value ?? ''}"; use --overwrite to change it`);
    const next: Taint = { ...t, ...(t.effect === 'NoExecute' ? { timeAdded: i >= 0 ? (out[i]!.timeAdded ?? stamp) : stamp } : {}) };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

/** Applies a change to the Cluster object, retrying on conflicts; returns the new taints. */
export async function changeClusterTaints(client: KubeClient, cluster: string, change: TaintChange, overwrite = false): Promise<Taint[]> {
  for (let attempt = 0; ; attempt++) {
    const obj = await client.get(CORE_API_VERSION, 'Cluster', undefined, cluster);
    if (!obj) throw new Error(`cluster "${cluster}" not found (kubectl get clusters lists the joined clusters)`);
    const taints = applyTaintChange((obj.spec?.taints ?? []) as Taint[], change, new Date(), overwrite);
    try {
      await client.replace({ ...obj, spec: { ...(obj.spec ?? {}), taints } } as KObject, { fieldManager: 'kubefed' });
      return taints;
    } catch (e) {
      if (!isConflict(e) || attempt >= 5) throw e;
    }
  }
}

/** `kubefed cordon`: no new replicas go to the cluster (a NoSchedule taint). */
export const CORDON: Taint = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };
