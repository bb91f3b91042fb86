/** The scale subresource: an autoscaling/v1 Scale view of an object's replica count. */
import { labelSelectorRequirements, requirementString } from '../../apis/meta/labels.js';
import type { KObject } from '../../apis/object.js';
import { badRequest, notFound } from '../errors.js';
import type { ResourceType } from '../registry/types.js';
import { groupResource, type Api } from './context.js';
import { getPath, setPath } from './jsonpath.js';

export function toScale(type: ResourceType, obj: KObject): KObject {
  const sub = type.subresources.scale!;
  const m = obj.metadata ?? {};
  let selector: string | undefined;
  if (sub.labelSelectorPath) {
    const v = getPath(obj, sub.labelSelectorPath);
    if (typeof v === 'string') selector = v;
  } else if (obj.spec?.selector) {
    // Ordered as whole strings (LabelSelectorAsSelector orders by key: labelSelectorString).
    selector = labelSelectorRequirements(obj.spec.selector)?.map(requirementString).sort().join(',');
  }
  const replicas = getPath(obj, sub.specReplicasPath);
  const statusReplicas = getPath(obj, sub.statusReplicasPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { ...(typeof replicas === 'number' ? { replicas } : {}) },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(selector !== undefined ? { selector } : {}) },
  };
}

export function getScale(api: Api, type: ResourceType, namespace: string, name: string): KObject {
  const c = api.store.get(type, namespace, name);
  if (!c) throw notFound(groupResource(type), name);
  return toScale(type, c.obj);
}

/** The object (storage version) with the replica count from a Scale written to it. */
export function applyScale(type: ResourceType, current: KObject, scale: KObject): KObject {
  if (scale.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`expected kind Scale, got ${scale.kind}`);
  const replicas = scale.spec?.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
    throw badRequest('Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer');
  }
  const obj = JSON.parse(JSON.stringify(current)) as KObject;
  setPath(obj, type.subresources.scale!.specReplicasPath, replicas ?? 0);
  return obj;
}
