/**
 * Installing the MCS API: the ServiceExport and ServiceImport CRDs (src/federation/crds/mcs-crds.ts)
 * in the federation and in every member, and, once per federation, the FederatedTypeConfig that
 * makes ServiceExport a propagated type (a ServiceExport created at the federation reaches the
 * members like any federated object; an operator may disable or delete it, and it is not
 * created again).
 *
 * A CRD already there is brought up to date only when the federation installed it (label
 * `kubefed.io/crd`); one another MCS implementation installed is left as it is (every upstream
 * release serves v1alpha1, the version the controllers use).
 */
import { deepEqual, type KObject } from '../../apis/object.js';
import { isAlreadyExists, type KubeClient } from '../client/kube-client.js';
import { CRD_API_VERSION } from '../crds/federation-crds.js';
import { MCS_API_VERSION, MCS_CRDS, MCS_GROUP, SERVICE_EXPORT_CRD } from '../crds/mcs-crds.js';
import { typeConfigFor } from '../types.js';

/** On the federation's ServiceExport CRD once the ServiceExport FederatedTypeConfig was created. */
export const TYPE_CONFIG_MARK = 'multicluster.kubefed.io/type-config';

export const SERVICE_EXPORT_TYPE = { group: MCS_GROUP, version: 'v1alpha1', kind: 'ServiceExport', plural: 'serviceexports', namespaced: true };

/** Creates the MCS CRDs, or updates ours; returns the names of those it wrote. */
export async function ensureMcsCrds(client: KubeClient, fieldManager?: string): Promise<string[]> {
  const wrote: string[] = [];
  const opts = fieldManager ? { fieldManager } : {};
  for (const crd of MCS_CRDS) {
    const name = crd.metadata!.name!;
    try {
      await client.create(crd, opts);
      wrote.push(name);
      continue;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    const cur = await client.get(CRD_API_VERSION, 'CustomResourceDefinition', undefined, name);
    if (!cur || cur.metadata?.labels?.['kubefed.io/crd'] !== 'true') continue;
    const spec = { ...cur.spec, ...crd.spec };
    const labels = { ...cur.metadata.labels, ...crd.metadata!.labels };
    if (deepEqual(cur.spec, spec) && deepEqual(cur.metadata.labels, labels)) continue;
    await client.replace({ ...cur, metadata: { ...cur.metadata, labels }, spec } as KObject, opts);
    wrote.push(name);
  }
  return wrote;
}

/** Waits until both kinds are served (a new CRD is served once Established). */
export async function waitMcsServed(client: KubeClient, o: { timeoutMs?: number; stopped?: () => boolean } = {}): Promise<void> {
  for (const kind of ['ServiceExport', 'ServiceImport']) await client.waitServed(MCS_API_VERSION, kind, o);
}

/** At the federation, at every start: the CRDs, and the ServiceExport type config the first time. */
export async function installMcs(federation: KubeClient): Promise<void> {
  await ensureMcsCrds(federation);
  await waitMcsServed(federation);
  const crd = await federation.get(CRD_API_VERSION, 'CustomResourceDefinition', undefined, SERVICE_EXPORT_CRD);
  if (!crd || crd.metadata?.annotations?.[TYPE_CONFIG_MARK]) return;
  try {
    await federation.create(typeConfigFor(SERVICE_EXPORT_TYPE));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  await federation.patch(CRD_API_VERSION, 'CustomResourceDefinition', undefined, SERVICE_EXPORT_CRD, { metadata: { annotations: { [TYPE_CONFIG_MARK]: 'created' } } }, 'merge');
}
