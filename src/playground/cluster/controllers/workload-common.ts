/**
 * What kube-controller-manager's workload controllers share (k8s.io/kubernetes/pkg/controller):
 * controller references and their adoption/release (ControllerRefManager), pod state helpers
 * (active, ready, available), the order in which pods are deleted on scale down
 * (ActivePodsWithRanks), pod creation from a template (GetPodFromTemplate), template hashing
 * (ComputeHash: FNV-32a, SafeEncodeString), int-or-percent scaling, slow-start batches and
 * ControllerRevision data.
 */
import { deepClone, deepEqual, isPlainObject, nowTimestamp, type KObject, type OwnerReference } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { labelSelectorMatches } from '../../../apis/meta/labels.js';
import { isNotFound, type GR, type InternalClient } from '../client.js';

export type LabelSelectorObject = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

// --- owners --------------------------------------------------------------------------------------

export function controllerRefOf(o: KObject | undefined): OwnerReference | undefined {
  return o?.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** The owner a controllerRef names, if it exists with that uid (resolveControllerRef). */
export function resolveControllerRef(client: InternalClient, gr: GR, namespace: string, ref: OwnerReference | undefined, kind: string): KObject | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const o = client.get(gr, namespace, ref.name);
  return o && o.metadata?.uid === ref.uid ? o : undefined;
}

/** metav1.LabelSelectorAsSelector + Matches. A missing selector selects nothing, {} everything. */
export function selectorMatches(selector: LabelSelectorObject | undefined | null, labels: Record<string, string> | undefined): boolean {
  return labelSelectorMatches(selector, labels);
}

export const isEmptySelector = (selector: unknown): boolean =>
  isPlainObject(selector) && !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;

export interface ClaimOptions {
  client: InternalClient;
  /** What the candidates are. */
  gr: GR;
  owner: KObject;
  /** Where the owner lives (for the fresh check before adopting). */
  ownerGR: GR;
  ownerApiVersion: string;
  ownerKind: string;
  match: (o: KObject) => boolean;
  /** Finalizers adopted objects get and released ones lose (the Job controller's tracking finalizer). */
  finalizers?: string[];
}

/**
 * ControllerRefManager.ClaimObjects: keeps what the owner controls and matches, adopts matching
 * orphans (not being deleted) and releases controlled objects that no longer match. Returns the
 * claimed objects (fresh after adoption).
 */
export async function claimObjects(candidates: KObject[], o: ClaimOptions): Promise<KObject[]> {
  const ownerUid = o.owner.metadata!.uid!;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  const claimed: KObject[] = [];
  let recheck: Error | undefined | null = null;
  const errors: unknown[] = [];
  for (const c of candidates) {
    const ref = controllerRefOf(c);
    const ns = c.metadata?.namespace ?? '';
    const name = c.metadata!.name!;
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (o.match(c)) {
        claimed.push(c);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await o.client.modify(o.gr, ns, name, (x) => {
          const refs = (x.metadata!.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== ownerUid);
          if (refs.length === (x.metadata!.ownerReferences ?? []).length) return false;
          if (refs.length) x.metadata!.ownerReferences = refs;
          else delete x.metadata!.ownerReferences;
          if (o.finalizers?.length && x.metadata!.finalizers) {
            const f = x.metadata!.finalizers.filter((n: string) => !o.finalizers!.includes(n));
            if (f.length) x.metadata!.finalizers = f;
            else delete x.metadata!.finalizers;
          }
        });
      } catch (e) {
        if (!isNotFound(e)) errors.push(e);
      }
      continue;
    }
    if (ownerDeleting || !o.match(c) || c.metadata?.deletionTimestamp) continue;
    if (recheck === null) {
      // RecheckDeletionTimestamp: adopt only if the owner is still there and not being deleted.
      const fresh = o.client.get(o.ownerGR, o.owner.metadata!.namespace ?? '', o.owner.metadata!.name!);
      if (!fresh || fresh.metadata?.uid !== ownerUid) recheck = new Error(`original ${o.ownerKind} ${o.owner.metadata!.name} is gone`);
      else if (fresh.metadata?.deletionTimestamp) recheck = new Error(`${o.ownerKind} ${o.owner.metadata!.name} has just been deleted`);
      else recheck = undefined;
    }
    if (recheck) {
      errors.push(recheck);
      continue;
    }
    try {
      let adopted = false;
      const res = await o.client.modify(o.gr, ns, name, (x) => {
        if (controllerRefOf(x) || x.metadata?.deletionTimestamp || !o.match(x)) return false;
        const refs = (x.metadata!.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== ownerUid);
        refs.push(newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind));
        x.metadata!.ownerReferences = refs;
        for (const f of o.finalizers ?? []) if (!(x.metadata!.finalizers ?? []).includes(f)) x.metadata!.finalizers = [...(x.metadata!.finalizers ?? []), f];
        adopted = true;
      });
      if (res && adopted) claimed.push(res);
    } catch (e) {
      if (!isNotFound(e)) errors.push(e);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}

// --- pods ----------------------------------------------------------------------------------------

export const podPhase = (p: KObject): string => p.status?.phase ?? '';
export const isPodTerminal = (p: KObject): boolean => podPhase(p) === 'Succeeded' || podPhase(p) === 'Failed';
/** controller.IsPodActive: not finished and not being deleted. */
export const isPodActive = (p: KObject): boolean => !isPodTerminal(p) && !p.metadata?.deletionTimestamp;

function readyCondition(p: KObject): KObject | undefined {
  return (p.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready');
}

export const isPodReady = (p: KObject): boolean => readyCondition(p)?.status === 'True';

/** When the pod last became ready (ms), if it is ready. */
export function podReadySince(p: KObject): number | undefined {
  const c = readyCondition(p);
  if (c?.status !== 'True') return undefined;
  const t = Date.parse(c.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(p: KObject, minReadySeconds: number, now = Date.now()): boolean {
  if (!isPodReady(p)) return false;
  if (!minReadySeconds) return true;
  const since = podReadySince(p);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod becomes available (0 when it is, undefined when not ready). */
export function msUntilAvailable(p: KObject, minReadySeconds: number, now = Date.now()): number | undefined {
  if (!isPodReady(p)) return undefined;
  const since = podReadySince(p);
  if (!minReadySeconds || since === undefined) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

const creationMs = (o: KObject): number => {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
};

function maxContainerRestarts(p: KObject): number {
  let max = 0;
  for (const s of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

function deletionCost(p: KObject): number {
  const v = p.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  return Number(v);
}

/** floor(log2(now - t)) in nanoseconds, as logarithmicRankDiff computes it. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * controller.ActivePodsWithRanks.Less: negative when `a` should go before `b` on scale down:
 * unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower deletion cost;
 * more co-located related pods; ready for less time; more restarts; newer (log-scale buckets,
 * ties broken by UID).
 */
export function compareForDeletion(a: KObject, b: KObject, rankA = 0, rankB = 0, now = Date.now()): number {
  const la = lessForDeletion(a, b, rankA, rankB, now);
  if (la) return -1;
  return lessForDeletion(b, a, rankB, rankA, now) ? 1 : 0;
}

function lessForDeletion(a: KObject, b: KObject, ra: number, rb: number, now: number): boolean {
  const na = !!a.spec?.nodeName;
  const nb = !!b.spec?.nodeName;
  if (na !== nb) return !na;
  const pa = PHASE_ORDER[podPhase(a)] ?? 0;
  const pb = PHASE_ORDER[podPhase(b)] ?? 0;
  if (pa !== pb) return pa < pb;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return !readyA;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca < cb;
  if (ra !== rb) return ra > rb;
  if (readyA && readyB) {
    const ta = podReadySince(a);
    const tb = podReadySince(b);
    if (ta !== tb) {
      if (ta === undefined || tb === undefined) return ta === undefined ? true : false;
      const diff = logRank(ta, now) - logRank(tb, now);
      if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
      return diff < 0;
    }
  }
  const rsa = maxContainerRestarts(a);
  const rsb = maxContainerRestarts(b);
  if (rsa !== rsb) return rsa > rsb;
  const ta = creationMs(a);
  const tb = creationMs(b);
  if (ta !== tb) {
    if (!ta || !tb) return !ta;
    const diff = logRank(ta, now) - logRank(tb, now);
    if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
    return diff < 0;
  }
  return false;
}

/** Pods sorted the way controller.ActivePods sorts them (the first are deleted first). */
export function sortForDeletion(pods: KObject[], ranks?: Map<KObject, number>): KObject[] {
  const now = Date.now();
  return [...pods].sort((a, b) => compareForDeletion(a, b, ranks?.get(a) ?? 0, ranks?.get(b) ?? 0, now));
}

/** Older first, ties by name (ReplicaSetsByCreationTimestamp and friends). */
export function byCreation(a: KObject, b: KObject): number {
  const d = creationMs(a) - creationMs(b);
  if (d) return d;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** getPodsPrefix: "<name>-" when that is a valid generateName. */
export function podsPrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  return prefix.length <= 58 ? prefix : controllerName;
}

/** controller.GetPodFromTemplate: labels, annotations, finalizers and spec of the template. */
export function podFromTemplate(template: KObject | undefined, owner: KObject, ref: OwnerReference | undefined, generateName?: string): KObject {
  const t = template ?? {};
  const meta: KObject['metadata'] = { generateName: generateName ?? podsPrefix(owner.metadata!.name!) };
  if (t.metadata?.labels && Object.keys(t.metadata.labels).length) meta.labels = { ...t.metadata.labels };
  if (t.metadata?.annotations && Object.keys(t.metadata.annotations).length) meta.annotations = { ...t.metadata.annotations };
  if (Array.isArray(t.metadata?.finalizers) && t.metadata.finalizers.length) meta.finalizers = [...t.metadata.finalizers];
  if (ref) meta.ownerReferences = [ref];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: deepClone(t.spec ?? {}) };
}

export function hasStatusCause(e: unknown, reason: string): boolean {
  return e instanceof StatusError && !!e.details?.causes?.some((c) => c.reason === reason);
}

export const isNamespaceTerminating = (e: unknown): boolean => hasStatusCause(e, 'NamespaceTerminating');

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * slowStartBatch: calls fn `count` times in batches of 1, 2, 4, ... concurrently; stops after a
 * batch with failures. Returns the successes and the first error.
 */
export async function slowStartBatch(count: number, initial: number, fn: (i: number) => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let pos = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(pos + k)));
    pos += batch;
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}

// --- hashing -------------------------------------------------------------------------------------

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each character mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

export function fnv32a(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with sorted keys and without nulls: stable across restarts and key order. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== null && (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v);
}

function hashBytes(data: Uint8Array, collisionCount: number | undefined): number {
  let h = fnv32a(data);
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return h;
}

/** controller.ComputeHash: the pod-template-hash / controller-revision-hash of a template. */
export function computeHash(template: unknown, collisionCount?: number): string {
  return safeEncodeString(String(hashBytes(new TextEncoder().encode(canonicalJson(template)), collisionCount)));
}

/** Structural equality with Kubernetes' semantic leniency: null, empty arrays and empty maps are absent. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return deepEqual(normalize(a), normalize(b));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalize) : undefined;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x);
      if (n !== undefined && n !== null) out[k] = n;
    }
    return out;
  }
  return v;
}

// --- int or percent ------------------------------------------------------------------------------

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const s = String(v);
  const m = /^(\d+)%$/.exec(s);
  if (m) {
    const x = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number.parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

// --- conditions ----------------------------------------------------------------------------------

export const findCondition = (conds: KObject[] | undefined, type: string): KObject | undefined => (conds ?? []).find((c) => c.type === type);

export const now = (): string => nowTimestamp();

// --- ControllerRevisions -------------------------------------------------------------------------

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/**
 * The patch a ControllerRevision of a DaemonSet or StatefulSet stores: the template replacing
 * the owner's (what `kubectl rollout undo` applies).
 */
export function templatePatch(owner: KObject): KObject {
  const template = deepClone(owner.spec?.template ?? {});
  template.$patch = 'replace';
  return { spec: { template } };
}

/** The template a revision's patch holds. */
export function templateOfRevision(rev: KObject): KObject | undefined {
  const t = rev.data?.spec?.template;
  if (!isPlainObject(t)) return undefined;
  const copy = deepClone(t);
  delete copy.$patch;
  return copy;
}

/** history.HashControllerRevision. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  return safeEncodeString(String(hashBytes(new TextEncoder().encode(canonicalJson(data)), collisionCount)));
}

/** Revisions sorted by revision number, then creation, then name (history.SortControllerRevisions). */
export function sortRevisions(revs: KObject[]): KObject[] {
  return [...revs].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || byCreation(a, b));
}

// --- requeueing ----------------------------------------------------------------------------------

/**
 * Delayed re-syncs where several deadlines per key may be pending: only the earliest one is
 * kept (the work queue's addAfter keeps the first timer, even a later one).
 */
export class Requeuer {
  private readonly due = new Map<string, number>();

  constructor(
    private readonly schedule: (ms: number, fn: () => void) => void,
    private readonly add: (key: string) => void,
  ) {}

  after(key: string, ms: number): void {
    const at = Date.now() + Math.max(0, ms);
    const cur = this.due.get(key);
    if (cur !== undefined && cur <= at && cur >= Date.now()) return;
    this.due.set(key, at);
    this.schedule(Math.max(0, ms), () => {
      if (this.due.get(key) === at) this.due.delete(key);
      this.add(key);
    });
  }
}
