/**
 * Federated types and objects from the command line, as kubefedctl has them:
 * - `kubefed enable TYPE` / `kubefed disable TYPE [--delete-crd]`: a FederatedTypeConfig and the
 *   Federated<Kind> CRD for a type the federation API serves;
 * - `kubefed federate TYPE NAME [--contents] [--enable-type] [-o yaml]`: a Federated<Kind> made
 *   from an object at the federation (for a Namespace, optionally everything in it);
 * - `kubefed orphaning-deletion enable|disable|status TYPE NAME`: the kubefed.io/orphan
 *   annotation, which leaves member copies in place when the federation object is deleted.
 * TYPE is a plural, singular or short name or a Kind, optionally qualified by group
 * (`deployments.apps`, `Deployment.apps`), resolved through the federation API's discovery.
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { deepClone, type KObject } from '../../apis/object.js';
import { ORPHAN_ANNOTATION } from '../../federation/admission.js';
import { isAlreadyExists, isNotFound, KubeApiError, type KubeClient } from '../../federation/client/kube-client.js';
import { CORE_GROUP, federatedTypeCrd, KUBEFED_NAMESPACE, SCHEDULING_GROUP, TYPES_GROUP, type TargetType } from '../../federation/crds/federation-crds.js';
import { typeConfigFor, typeConfigName, typeInfo, typeInfoFromConfig, type FederatedTypeInfo } from '../../federation/types.js';
import { clientFor, kubeTarget } from '../kube-context.js';

const FTC_API_VERSION = `${CORE_GROUP}/v1beta1`;
const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
const FIELD_MANAGER = 'kubefed';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const FEDERATION_GROUPS = new Set([CORE_GROUP, TYPES_GROUP, SCHEDULING_GROUP]);

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// --- discovery -------------------------------------------------------------------------------------

export interface DiscoveredType extends TargetType {
  singular: string;
  shortNames: string[];
}

interface ResourceList {
  resources: { name: string; singularName?: string; kind: string; namespaced: boolean; shortNames?: string[] }[];
}

/** Every resource the API serves, at each group's preferred version (core first). */
export async function discoverTypes(client: KubeClient): Promise<DiscoveredType[]> {
  const core = await client.request<{ versions: string[] }>('GET', '/api');
  const groups = await client.request<{ groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[] }>('GET', '/apis');
  const gvs: [string, string][] = [['', core.versions.includes('v1') ? 'v1' : core.versions[0]!]];
  for (const g of groups.groups) gvs.push([g.name, g.preferredVersion?.version ?? g.versions[0]!.version]);
  const lists = await Promise.all(
    gvs.map(async ([group, version]) => {
      const l = await client.request<ResourceList>('GET', group ? `/apis/${group}/${version}` : `/api/${version}`).catch(() => ({ resources: [] }) as ResourceList);
      return l.resources
        .filter((r) => !r.name.includes('/'))
        .map((r): DiscoveredType => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [] }));
    }),
  );
  return lists.flat();
}

function namesOf(t: { kind: string; plural: string; singular?: string; shortNames?: string[] }): string[] {
  return [t.plural, t.kind.toLowerCase(), ...(t.singular ? [t.singular] : []), ...(t.shortNames ?? [])];
}

/** Whether TYPE names the type: `plural`, `Kind`, singular or short name, each optionally `.group`. */
export function typeMatches(type: string, t: { group: string; kind: string; plural: string; singular?: string; shortNames?: string[] }): boolean {
  const want = type.toLowerCase();
  return namesOf(t).some((n) => want === n || (t.group !== '' && want === `${n}.${t.group}`));
}

/**
 * The type TYPE names; like kubectl, the first in discovery order (the core group, then groups
 * by priority) wins when several groups serve it (apps before extensions for deployments).
 */
export function pickType<T extends { group: string; kind: string; plural: string }>(type: string, candidates: T[], where: string): T {
  const found = candidates.find((c) => typeMatches(type, c));
  if (!found) throw new Error(`the server doesn't have a resource type "${type}" (${where})`);
  return found;
}

async function resolveTarget(client: KubeClient, type: string): Promise<TargetType> {
  const t = pickType(type, await discoverTypes(client), 'the federation API serves no such type; for a custom resource, install its CRD in the federation first');
  if (FEDERATION_GROUPS.has(t.group)) throw new Error(`${t.plural}.${t.group} is a federation type itself and cannot be federated`);
  return { group: t.group, version: t.version, kind: t.kind, plural: t.plural, namespaced: t.namespaced };
}

const qualified = (plural: string, group: string) => (group ? `${plural}.${group}` : plural);
const ref = (kind: string, group: string, name: string) => `${group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase()}/${name}`;

// --- enable / disable ----------------------------------------------------------------------------

async function waitServed(client: KubeClient, apiVersion: string, kind: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.resource(apiVersion, kind);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${kind} (${apiVersion}) is still not served after ${timeoutMs / 1000} s: ${(e as Error).message}`);
      await sleep(100);
    }
  }
}

/** Creates (or re-enables) the FederatedTypeConfig and the Federated<Kind> CRD; idempotent. */
export async function enableType(client: KubeClient, t: TargetType, ns: string, say: (line: string) => void = out): Promise<FederatedTypeInfo> {
  const info = typeInfo(t);
  const clash = (await typeConfigs(client, ns)).find((c) => c.info.name !== info.name && c.info.federated.kind === info.federated.kind);
  if (clash) throw new Error(`${info.federated.kind} already federates ${clash.info.name} (FederatedTypeConfig ${clash.ftc.metadata?.name}); disable it first to federate ${info.name}`);
  const crd = federatedTypeCrd(t);
  const crdName = crd.metadata!.name!;
  if (await client.get(CRD_API_VERSION, 'CustomResourceDefinition', undefined, crdName)) say(`customresourcedefinition.apiextensions.k8s.io/${crdName} unchanged`);
  else {
    try {
      await client.create(crd, { fieldManager: FIELD_MANAGER });
      say(`customresourcedefinition.apiextensions.k8s.io/${crdName} created`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      say(`customresourcedefinition.apiextensions.k8s.io/${crdName} unchanged`);
    }
  }
  await waitServed(client, info.federated.apiVersion, info.federated.kind);
  const ftc = { ...typeConfigFor(t), metadata: { name: info.name, namespace: ns } };
  const existing = await client.get(FTC_API_VERSION, 'FederatedTypeConfig', ns, info.name);
  const what = `federatedtypeconfig.${CORE_GROUP}/${info.name}`;
  if (!existing) {
    await client.create(ftc, { fieldManager: FIELD_MANAGER });
    say(`${what} created in namespace ${ns}`);
  } else if (existing.spec?.propagation !== 'Enabled') {
    await client.patch(FTC_API_VERSION, 'FederatedTypeConfig', ns, info.name, { spec: { propagation: 'Enabled' } }, 'merge', { fieldManager: FIELD_MANAGER });
    say(`${what} propagation enabled`);
  } else say(`${what} unchanged (already enabled)`);
  return info;
}

/** The FederatedTypeConfigs of the federation with their type info. */
async function typeConfigs(client: KubeClient, ns: string): Promise<{ ftc: KObject; info: FederatedTypeInfo }[]> {
  let list: { items: KObject[] };
  try {
    list = await client.list(FTC_API_VERSION, 'FederatedTypeConfig', { namespace: ns });
  } catch (e) {
    if (isNotFound(e)) throw new Error(`the API at ${client.server} has no FederatedTypeConfig type: is it a federation?`);
    throw e;
  }
  return list.items.flatMap((ftc) => {
    const info = typeInfoFromConfig(ftc);
    return info ? [{ ftc, info }] : [];
  });
}

/** The FTC for TYPE: matched against the FTCs' target types (the type may no longer be served). */
async function findTypeConfig(client: KubeClient, type: string, ns: string): Promise<{ ftc: KObject; info: FederatedTypeInfo }> {
  const ftcs = await typeConfigs(client, ns);
  const matching = ftcs.filter(({ ftc, info }) => ftc.metadata?.name === type.toLowerCase() || typeMatches(type, info.target));
  if (matching.length === 1) return matching[0]!;
  if (matching.length > 1) {
    const core = matching.find((m) => m.info.target.group === '');
    if (core) return core;
    throw new Error(`"${type}" is ambiguous: it names ${matching.map((m) => m.info.name).join(', ')}; qualify it with the group`);
  }
  const t = await resolveTarget(client, type);
  throw new Error(`${qualified(t.plural, t.group)} is not enabled for federation (no FederatedTypeConfig ${typeConfigName(t)} in ${ns})`);
}

async function disableType(client: KubeClient, type: string, o: { deleteCrd?: boolean; kubefedNamespace: string }): Promise<void> {
  const ns = o.kubefedNamespace;
  const { ftc, info } = await findTypeConfig(client, type, ns);
  const what = `federatedtypeconfig.${CORE_GROUP}/${info.name}`;
  if (o.deleteCrd) {
    await client.delete(FTC_API_VERSION, 'FederatedTypeConfig', ns, ftc.metadata!.name!);
    out(`${what} deleted`);
    const crdName = `${info.federated.plural}.${info.federated.group}`;
    if (await client.delete(CRD_API_VERSION, 'CustomResourceDefinition', undefined, crdName)) out(`customresourcedefinition.apiextensions.k8s.io/${crdName} deleted`);
    else out(`customresourcedefinition.apiextensions.k8s.io/${crdName} not found`);
    return;
  }
  if (ftc.spec?.propagation === 'Disabled') {
    out(`${what} unchanged (propagation already disabled)`);
    return;
  }
  await client.patch(FTC_API_VERSION, 'FederatedTypeConfig', ns, ftc.metadata!.name!, { spec: { propagation: 'Disabled' } }, 'merge', { fieldManager: FIELD_MANAGER });
  out(`${what} propagation disabled`);
}

// --- federate --------------------------------------------------------------------------------------

/** The template for a Federated<Kind>: the object without status, kind and server-set metadata. */
export function templateOf(obj: KObject): KObject {
  const o = deepClone(obj) as Record<string, any>;
  delete o.apiVersion;
  delete o.kind;
  delete o.status;
  const meta = (o.metadata ?? {}) as Record<string, any>;
  const keep: Record<string, unknown> = {};
  if (meta.labels && Object.keys(meta.labels).length) keep.labels = meta.labels;
  const annotations = { ...(meta.annotations ?? {}) } as Record<string, string>;
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length) keep.annotations = annotations;
  if (Object.keys(keep).length) o.metadata = keep;
  else delete o.metadata;
  // Addresses the federation's API server allocated mean nothing in the members.
  if (obj.kind === 'Service' && (obj.apiVersion === 'v1' || !obj.apiVersion) && o.spec) {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
  }
  return o as KObject;
}

/** The Federated<Kind> for an object at the federation, placed in every cluster. */
export function federatedObjectFor(info: FederatedTypeInfo, obj: KObject): KObject {
  const name = obj.metadata!.name!;
  // A FederatedNamespace lives in the namespace it federates.
  const namespace = info.target.kind === 'Namespace' && info.target.group === '' ? name : obj.metadata?.namespace;
  return {
    apiVersion: info.federated.apiVersion,
    kind: info.federated.kind,
    metadata: { name, ...(info.federated.namespaced && namespace ? { namespace } : {}) },
    spec: { template: templateOf(obj), placement: { clusterSelector: {} } },
  };
}

/** Objects `--contents` leaves out: what the system or a controller makes in every namespace. */
function systemMade(obj: KObject): boolean {
  if (obj.metadata?.ownerReferences?.some((r) => r.controller)) return true;
  if (obj.kind === 'ConfigMap' && obj.metadata?.name === 'kube-root-ca.crt') return true;
  if (obj.kind === 'ServiceAccount' && obj.metadata?.name === 'default') return true;
  if (obj.kind === 'Secret' && (obj as { type?: string }).type === 'kubernetes.io/service-account-token') return true;
  return false;
}

function defaultNamespace(client: KubeClient): string {
  return client.kc.getContextObject(client.kc.getCurrentContext())?.namespace || 'default';
}

interface FederateOptions {
  namespace?: string;
  contents?: boolean;
  enableType?: boolean;
  output?: string;
  kubefedNamespace: string;
}

async function federate(client: KubeClient, type: string, name: string, o: FederateOptions): Promise<void> {
  if (o.output !== undefined && o.output !== 'yaml') throw new Error(`unsupported output format "${o.output}": only yaml`);
  const print = o.output === 'yaml';
  const docs: KObject[] = [];
  const t = await resolveTarget(client, type);
  const ns = t.namespaced ? (o.namespace ?? defaultNamespace(client)) : undefined;
  const ftcName = typeConfigName(t);
  let ftc = await client.get(FTC_API_VERSION, 'FederatedTypeConfig', o.kubefedNamespace, ftcName);
  if (!ftc) {
    if (!o.enableType) throw new Error(`${qualified(t.plural, t.group)} is not enabled for federation: run "kubefed enable ${qualified(t.plural, t.group)}" first, or pass --enable-type`);
    if (print) docs.push(federatedTypeCrd(t), { ...typeConfigFor(t), metadata: { name: ftcName, namespace: o.kubefedNamespace } });
    else await enableType(client, t, o.kubefedNamespace);
    ftc = typeConfigFor(t);
  }
  const info = typeInfoFromConfig(ftc) ?? typeInfo(t);
  const apiVersion = info.target.apiVersion;
  const obj = await client.get(apiVersion, t.kind, ns, name);
  if (!obj) throw new Error(`${qualified(t.plural, t.group)} "${name}" not found${ns ? ` in namespace "${ns}"` : ''}`);
  const objects: [FederatedTypeInfo, KObject][] = [[info, obj]];
  if (o.contents) {
    if (!(t.group === '' && t.kind === 'Namespace')) throw new Error('--contents applies only to namespaces');
    for (const { info: ti } of await typeConfigs(client, o.kubefedNamespace)) {
      if (!ti.target.namespaced || ti.propagation !== 'Enabled') continue;
      let items: KObject[];
      try {
        items = (await client.list(ti.target.apiVersion, ti.target.kind, { namespace: name })).items as KObject[];
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 404)) throw e;
        process.stderr.write(`warning: ${qualified(ti.target.plural, ti.target.group)} is enabled but not served; skipping it\n`);
        continue;
      }
      for (const item of items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
        if (!systemMade({ ...item, kind: ti.target.kind, apiVersion: ti.target.apiVersion })) objects.push([ti, { ...item, apiVersion: ti.target.apiVersion, kind: ti.target.kind }]);
      }
    }
  }
  for (const [ti, target] of objects) {
    const fedObj = federatedObjectFor(ti, target);
    if (print) {
      docs.push(fedObj);
      continue;
    }
    const what = ref(ti.federated.kind, ti.federated.group, fedObj.metadata!.name!);
    try {
      await client.create(fedObj, { fieldManager: FIELD_MANAGER });
      out(`${what} created${fedObj.metadata?.namespace ? ` in namespace ${fedObj.metadata.namespace}` : ''}`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      out(`${what} unchanged (already exists)`);
    }
  }
  if (print) process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
}

// --- orphaning-deletion ----------------------------------------------------------------------------

/** The object that carries the orphan flag: the Federated<Kind> when TYPE names one or one exists, else the plain object. */
async function orphanTarget(client: KubeClient, type: string, name: string, namespace: string | undefined): Promise<{ apiVersion: string; kind: string; group: string; namespace: string | undefined; obj: KObject }> {
  const all = await discoverTypes(client);
  const t = pickType(type, all, 'the federation API serves no such type');
  const nsOf = (namespaced: boolean) => (namespaced ? (namespace ?? defaultNamespace(client)) : undefined);
  const apiVersion = (g: string, v: string) => (g ? `${g}/${v}` : v);
  if (t.group === TYPES_GROUP) {
    const ns = nsOf(t.namespaced);
    const obj = await client.get(apiVersion(t.group, t.version), t.kind, ns, name);
    if (!obj) throw new Error(`${qualified(t.plural, t.group)} "${name}" not found${ns ? ` in namespace "${ns}"` : ''}`);
    return { apiVersion: apiVersion(t.group, t.version), kind: t.kind, group: t.group, namespace: ns, obj };
  }
  if (FEDERATION_GROUPS.has(t.group)) throw new Error(`${qualified(t.plural, t.group)} is not a federated type`);
  const info = typeInfo({ group: t.group, version: t.version, kind: t.kind, plural: t.plural, namespaced: t.namespaced });
  const fedServed = all.find((x) => x.group === TYPES_GROUP && x.kind === info.federated.kind);
  const ns = nsOf(t.namespaced);
  if (fedServed) {
    const fedNs = t.kind === 'Namespace' && t.group === '' ? name : fedServed.namespaced ? ns : undefined;
    const fedApiVersion = apiVersion(fedServed.group, fedServed.version);
    const fedObj = await client.get(fedApiVersion, fedServed.kind, fedNs, name);
    if (fedObj) return { apiVersion: fedApiVersion, kind: fedServed.kind, group: TYPES_GROUP, namespace: fedNs, obj: fedObj };
  }
  const obj = await client.get(apiVersion(t.group, t.version), t.kind, ns, name);
  if (!obj) throw new Error(`neither ${info.federated.kind} nor ${qualified(t.plural, t.group)} "${name}" found${ns ? ` in namespace "${ns}"` : ''}`);
  return { apiVersion: apiVersion(t.group, t.version), kind: t.kind, group: t.group, namespace: ns, obj };
}

async function orphaningDeletion(client: KubeClient, action: 'enable' | 'disable' | 'status', type: string, name: string, namespace: string | undefined): Promise<void> {
  const target = await orphanTarget(client, type, name, namespace);
  const what = ref(target.kind, target.group, name);
  const enabled = target.obj.metadata?.annotations?.[ORPHAN_ANNOTATION] === 'true';
  if (action === 'status') {
    out(enabled ? 'Enabled' : 'Disabled');
    return;
  }
  const value = action === 'enable' ? 'true' : null;
  if ((action === 'enable') === enabled && (action === 'enable' || target.obj.metadata?.annotations?.[ORPHAN_ANNOTATION] === undefined)) {
    out(`${what}: orphaning deletion already ${action}d`);
    return;
  }
  await client.patch(target.apiVersion, target.kind, target.namespace, name, { metadata: { annotations: { [ORPHAN_ANNOTATION]: value } } }, 'merge', { fieldManager: FIELD_MANAGER });
  out(`${what}: orphaning deletion ${action}d`);
}

// --- commands --------------------------------------------------------------------------------------

/** --kubeconfig/--context also after the subcommand (the program's global ones apply before it). */
const withTarget = (c: Command) =>
  c
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--context <name>', 'kubeconfig context of the federation')
    .option('--v <level>', 'log verbosity (accepted for kubefedctl compatibility; ignored)');
const withKubefedNamespace = (c: Command) => c.option('--kubefed-namespace <ns>', 'namespace of the federation control plane', KUBEFED_NAMESPACE);

async function withClient<T>(cmd: Command, fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = clientFor(kubeTarget(cmd), undefined, { userAgent: 'kubefed' });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export function enableCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('enable')))
    .description('Enable federation of a type: create its FederatedTypeConfig and Federated<Kind> CRD (TYPE: plural, plural.group, Kind or Kind.group)')
    .argument('<type>', 'the type, e.g. deployments.apps, ConfigMap or crontabs.stable.example.com')
    .action(async (type: string, o: { kubefedNamespace: string }, cmd: Command) => {
      await withClient(cmd, async (client) => enableType(client, await resolveTarget(client, type), o.kubefedNamespace));
    });
}

export function disableCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('disable')))
    .description('Disable propagation of a federated type (or remove it with --delete-crd)')
    .argument('<type>', 'the type, as given to "kubefed enable"')
    .option('--delete-crd', 'delete the FederatedTypeConfig and the Federated<Kind> CRD (and with it every Federated<Kind> object)')
    .action(async (type: string, o: { deleteCrd?: boolean; kubefedNamespace: string }, cmd: Command) => {
      await withClient(cmd, (client) => disableType(client, type, o));
    });
}

export function federateCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('federate')))
    .description('Create a Federated<Kind> from an object at the federation, placed in every cluster')
    .argument('<type>', 'the type of the object, e.g. configmaps or Namespace')
    .argument('<name>', 'the object')
    .option('-n, --namespace <ns>', 'namespace of the object (default: the context\'s, else "default")')
    .option('--contents', 'for a namespace: also federate every object of every enabled namespaced type in it')
    .option('--enable-type', 'enable federation of the type first if it is not')
    .option('-o, --output <format>', 'print the objects (yaml) instead of creating them')
    .action(async (type: string, name: string, o: FederateOptions, cmd: Command) => {
      await withClient(cmd, (client) => federate(client, type, name, o));
    });
}

export function orphaningDeletionCommand(): Command {
  const c = new Command('orphaning-deletion').description('Whether deleting a federated object leaves its copies in the member clusters (annotation kubefed.io/orphan)');
  const verbs: ['enable' | 'disable' | 'status', string][] = [
    ['enable', 'keep member copies when the object is deleted'],
    ['disable', 'delete member copies with the object (the default)'],
    ['status', 'print Enabled or Disabled'],
  ];
  for (const [verb, what] of verbs) {
    withTarget(c.command(verb))
      .description(what)
      .argument('<type>', 'a Federated<Kind> (federateddeployments, FederatedDeployment) or its target type (deployments.apps)')
      .argument('<name>', 'the object')
      .option('-n, --namespace <ns>', 'namespace of the object')
      .action(async (type: string, name: string, o: { namespace?: string }, cmd: Command) => {
        await withClient(cmd, (client) => orphaningDeletion(client, verb, type, name, o.namespace));
      });
  }
  return c;
}
