/** Assigning a pod to a node: what POST pods/{name}/binding does, usable by in-process schedulers. */
import { nowTimestamp, type KObject } from '../../apis/object.js';
import { StoreWriteError } from '../../storage/object-store.js';
import { conflict, notFound, OBJECT_MODIFIED } from '../errors.js';
import type { ResourceType } from '../registry/types.js';
import { groupResource, type Api } from './context.js';

export async function bindPod(api: Api, podType: ResourceType, namespace: string, name: string, nodeName: string): Promise<KObject> {
  const gr = groupResource(podType);
  const c = api.store.get(podType, namespace, name);
  if (!c) throw notFound(gr, name);
  const pod = c.clone();
  if (pod.spec?.nodeName) throw conflict(gr, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  if (pod.metadata?.deletionTimestamp) throw conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  pod.spec.nodeName = nodeName;
  const conds: KObject[] = (pod.status?.conditions ?? []).filter((x: KObject) => x.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
  pod.status = { ...(pod.status ?? {}), conditions: conds };
  try {
    return (await api.store.update(podType, pod, c.revision)).clone();
  } catch (e) {
    if (e instanceof StoreWriteError) throw conflict(gr, name, OBJECT_MODIFIED);
    throw e;
  }
}
