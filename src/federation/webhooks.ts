/**
 * Host-cluster mode: the federation's admission checks (admission.ts), which our own API server
 * runs in-process, served to an existing Kubernetes API server as admission webhooks.
 *
 * - Rules: the objects the checks read. Federated<Kind> (validated, and given the sync
 *   controller's finalizer at creation), ReplicaSchedulingPreferences, FederatedTypeConfigs,
 *   Clusters and KubeFedClusters; with plain objects as templates, also every federated target
 *   type (their Federation v1 annotations), following the FederatedTypeConfigs. Nothing else: a
 *   webhook with failurePolicy Fail must not stand between the host cluster and its own objects.
 * - The serving certificate: from files (`--webhook-cert-dir`, e.g. a cert-manager Secret
 *   mounted), or kept in a Secret of the federation's namespace: the first replica creates a CA
 *   and a certificate for the hosts the API server reaches the webhooks at; every replica serves
 *   that one; a certificate near its end (or for other hosts) is reissued by the same CA, so the
 *   configurations' caBundle does not change.
 * - The configurations: ValidatingWebhookConfiguration and MutatingWebhookConfiguration
 *   `federation.kubefed.io` (webhooks `validate.` and `mutate.federation.kubefed.io`). This
 *   process keeps their clientConfig (URL or Service, caBundle) and rules; failurePolicy,
 *   timeoutSeconds, namespace and object selectors and match conditions are set when it creates
 *   them and left as an operator (or a kustomize overlay) changed them afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepEqual, type KObject } from '../apis/object.js';
import type { Rule } from '../apiserver/admission/rules.js';
import { webhookConfigurations } from '../apiserver/admission/webhook-server.js';
import { createCA, describeCertificate, issueCertificate, splitHosts } from '../pki/ca.js';
import { isAlreadyExists, isConflict, type KubeClient } from './client/kube-client.js';
import { CORE_GROUP, KUBEFED_NAMESPACE, SCHEDULING_GROUP, TYPES_GROUP } from './crds/federation-crds.js';
import type { FederatedTypeInfo } from './types.js';

/** Name of both configurations; the webhooks are `validate.<name>` and `mutate.<name>`. */
export const WEBHOOK_CONFIGURATION = 'federation.kubefed.io';
export const WEBHOOK_CERT_SECRET = 'kubefed-webhook-serving-cert';
/** A certificate this close to its end is reissued. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const ADMISSION = 'admissionregistration.k8s.io/v1';
const LABELS = { 'app.kubernetes.io/managed-by': 'kubefed', 'app.kubernetes.io/component': 'controller-manager' };

/** The Rules of the validating and the mutating webhook; `plainTypes`: target types whose plain objects are templates. */
export function federationWebhookRules(plainTypes: readonly FederatedTypeInfo[] = []): { validate: Rule[]; mutate: Rule[] } {
  const byGroup = new Map<string, Set<string>>();
  for (const t of plainTypes) {
    const set = byGroup.get(t.target.group) ?? new Set<string>();
    set.add(t.target.plural);
    byGroup.set(t.target.group, set);
  }
  const plain = (operations: string[]): Rule[] =>
    [...byGroup.keys()].sort().map((g) => ({ operations, apiGroups: [g], apiVersions: ['*'], resources: [...byGroup.get(g)!].sort(), scope: '*' }));
  const rule = (operations: string[], group: string, resources: string[]): Rule => ({ operations, apiGroups: [group], apiVersions: ['*'], resources, scope: '*' });
  const CU = ['CREATE', 'UPDATE'];
  return {
    validate: [
      rule(CU, TYPES_GROUP, ['*']),
      rule(CU, SCHEDULING_GROUP, ['replicaschedulingpreferences']),
      rule(CU, CORE_GROUP, ['clusters', 'federatedtypeconfigs', 'kubefedclusters']),
      ...plain(CU),
    ],
    mutate: [rule(['CREATE'], TYPES_GROUP, ['*']), ...plain(['CREATE'])],
  };
}

export interface ServingCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** tls.crt, tls.key and ca.crt of a directory (the layout of a mounted kubernetes.io/tls Secret with its CA). */
export function servingCertificateFromDir(dir: string): ServingCertificate {
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch {
      throw new Error(`--webhook-cert-dir: cannot read ${f} in ${dir} (tls.crt, tls.key and ca.crt are needed)`);
    }
  };
  return { certPem: read('tls.crt'), keyPem: read('tls.key'), caPem: read('ca.crt') };
}

/** Where the API server reaches the webhooks: the certificate's names. */
export function webhookHosts(target: { url: string } | { service: { namespace: string; name: string } }): string[] {
  if ('url' in target) return [new URL(target.url).hostname.replace(/^\[|\]$/g, '')];
  const { name, namespace } = target.service;
  return [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}`, name];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : '');

/** Whether a certificate names exactly `hosts` and is not near its end. */
function fits(certPem: string, hosts: string[]): boolean {
  try {
    const info = describeCertificate(certPem);
    const want = splitHosts(hosts);
    const same = (a: string[], b: string[]) => deepEqual([...a].sort(), [...b].sort());
    return same(info.dnsNames, want.dnsNames) && same(info.ipAddresses, want.ipAddresses) && info.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/**
 * The serving certificate kept in a Secret (see the header): read, created by the first replica,
 * or reissued; a replica that loses a race to write it reads the winner's.
 */
export async function servingCertificateFromSecret(client: KubeClient, hosts: string[], name = WEBHOOK_CERT_SECRET, namespace = KUBEFED_NAMESPACE): Promise<ServingCertificate> {
  for (let attempt = 0; ; attempt++) {
    const cur = await client.get('v1', 'Secret', namespace, name);
    const d = (cur?.data ?? {}) as Record<string, unknown>;
    const have = { caPem: unb64(d['ca.crt']), certPem: unb64(d['tls.crt']), keyPem: unb64(d['tls.key']) };
    const caKeyPem = unb64(d['ca.key']);
    if (have.caPem && have.certPem && have.keyPem && fits(have.certPem, hosts)) return have;
    const ca = have.caPem && caKeyPem ? { certPem: have.caPem, keyPem: caKeyPem } : await createCA('kubefed-webhook-ca');
    const leaf = await issueCertificate(ca, { commonName: 'kubefed-controller-manager', ...splitHosts(hosts), usage: 'server' });
    const data = { 'ca.crt': b64(ca.certPem), 'ca.key': b64(ca.keyPem), 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem) };
    try {
      if (cur) await client.replace({ ...cur, data } as KObject);
      else await client.create({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace, labels: LABELS }, data } as KObject);
      return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
    } catch (e) {
      if ((!isConflict(e) && !isAlreadyExists(e)) || attempt >= 5) throw e;
    }
  }
}

export interface WebhookRegistration {
  /** The webhooks' base URL, or the Service in front of them. */
  target: { url: string } | { service: { namespace: string; name: string; port?: number } };
  caPem: string;
  rules: { validate: Rule[]; mutate: Rule[] };
  /** Used when the configurations are created (afterwards an operator's changes stay). */
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
}

/** What an operator may tune on a webhook and this process leaves as found. */
const OPERATOR_FIELDS = ['failurePolicy', 'timeoutSeconds', 'namespaceSelector', 'objectSelector', 'matchConditions', 'reinvocationPolicy', 'matchPolicy'] as const;

/** The two configurations; without a CA (the deployment manifests) they have no caBundle until this process sets it. */
export function federationWebhookConfigurations(r: Omit<WebhookRegistration, 'caPem'> & { caPem?: string }): { validating: KObject; mutating: KObject } {
  const d = webhookConfigurations({
    name: WEBHOOK_CONFIGURATION,
    ...('url' in r.target ? { url: r.target.url } : { service: r.target.service }),
    caPem: r.caPem ?? '',
    validateRules: r.rules.validate,
    mutateRules: r.rules.mutate,
    labels: LABELS,
    ...(r.failurePolicy ? { failurePolicy: r.failurePolicy } : {}),
    ...(r.timeoutSeconds ? { timeoutSeconds: r.timeoutSeconds } : {}),
  });
  if (!r.caPem) for (const c of [d.validating, d.mutating]) for (const w of c.webhooks as { clientConfig: Record<string, unknown> }[]) delete w.clientConfig.caBundle;
  return d;
}

/** Creates the two configurations, or brings their clientConfig and rules up to date. */
export async function registerWebhooks(client: KubeClient, r: WebhookRegistration): Promise<void> {
  const desired = federationWebhookConfigurations(r);
  for (const want of [desired.validating, desired.mutating]) {
    for (let attempt = 0; ; attempt++) {
      const cur = await client.get(ADMISSION, want.kind!, undefined, WEBHOOK_CONFIGURATION);
      try {
        if (!cur) {
          await client.create(want);
        } else {
          const hooks = (cur.webhooks ?? []) as Record<string, unknown>[];
          const next = (want.webhooks as Record<string, unknown>[]).map((w) => {
            const had = hooks.find((h) => h.name === w.name);
            if (!had) return w;
            const kept = Object.fromEntries(OPERATOR_FIELDS.filter((f) => had[f] !== undefined).map((f) => [f, had[f]]));
            return { ...had, ...w, ...kept };
          });
          // Webhooks an operator added next to ours stay.
          const others = hooks.filter((h) => !next.some((w) => w.name === h.name));
          const webhooks = [...next, ...others];
          if (deepEqual(webhooks, hooks)) break;
          await client.replace({ ...cur, webhooks } as KObject);
        }
        break;
      } catch (e) {
        if ((!isConflict(e) && !isAlreadyExists(e)) || attempt >= 5) throw e;
      }
    }
  }
}
