/**
 * Group versions removed from Kubernetes but still found in real YAML, served by conversion.
 * They carry no short names, so `rs`, `ing`, `deploy` resolve to the current groups without
 * ambiguity warnings; the legacy ones are reachable by full name (replicasets.extensions).
 */
import type { KObject } from '../../../apis/object.js';
import {
  daemonSetFromV1,
  daemonSetToV1,
  deploymentFromV1,
  deploymentToV1,
  ingressFromV1,
  ingressToV1,
  replicaSetFromV1,
  replicaSetToV1,
} from '../../../apis/extensions/v1beta1.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType } from '../types.js';
import { defineBuiltin } from './define.js';

const removed = (gv: string, kind: string, since: string, replacement: string) =>
  `${gv} ${kind} is deprecated in v1.${since}+, unavailable in v1.22+; use ${replacement} ${kind}`;

/**
 * Legacy versions share storage with (and inherit the semantics of) the current type: the
 * strategy is the current type's, applied after conversion to the storage version.
 */
export function legacyResources(current: (group: string, resource: string) => ResourceType): ResourceType[] {
  const like = (group: string, resource: string) => {
    const t = current(group, resource);
    return { strategy: t.strategy, fieldSelectors: t.fieldSelectors };
  };
  const ingressFrom = (gv: 'extensions/v1beta1' | 'networking.k8s.io/v1beta1') => (o: KObject) => ingressFromV1(o, gv);
  return [
    defineBuiltin({
      group: 'networking.k8s.io', version: 'v1beta1', resource: 'ingresses', kind: 'Ingress', definition: 'io.k8s.api.networking.v1beta1.Ingress',
      namespaced: true, status: true, ...like('networking.k8s.io', 'ingresses'),
      storage: { group: 'networking.k8s.io', resource: 'ingresses', apiVersion: 'networking.k8s.io/v1' },
      toStorage: ingressToV1, fromStorage: ingressFrom('networking.k8s.io/v1beta1'),
      table: printers.ingressPrinter,
      deprecationWarning: removed('networking.k8s.io/v1beta1', 'Ingress', '19', 'networking.k8s.io/v1'),
    }),
    defineBuiltin({
      group: 'extensions', version: 'v1beta1', resource: 'ingresses', kind: 'Ingress', definition: 'io.k8s.api.extensions.v1beta1.Ingress',
      namespaced: true, status: true, ...like('networking.k8s.io', 'ingresses'),
      storage: { group: 'networking.k8s.io', resource: 'ingresses', apiVersion: 'networking.k8s.io/v1' },
      toStorage: ingressToV1, fromStorage: ingressFrom('extensions/v1beta1'),
      table: printers.ingressPrinter,
      deprecationWarning: removed('extensions/v1beta1', 'Ingress', '14', 'networking.k8s.io/v1'),
    }),
    defineBuiltin({
      group: 'extensions', version: 'v1beta1', resource: 'replicasets', kind: 'ReplicaSet', definition: 'io.k8s.api.extensions.v1beta1.ReplicaSet',
      namespaced: true, status: true, scale: true, ...like('apps', 'replicasets'),
      storage: { group: 'apps', resource: 'replicasets', apiVersion: 'apps/v1' },
      toStorage: replicaSetToV1, fromStorage: replicaSetFromV1,
      table: printers.replicaSetPrinter,
      deprecationWarning: removed('extensions/v1beta1', 'ReplicaSet', '8', 'apps/v1'),
    }),
    defineBuiltin({
      group: 'extensions', version: 'v1beta1', resource: 'deployments', kind: 'Deployment', definition: 'io.k8s.api.extensions.v1beta1.Deployment',
      namespaced: true, status: true, scale: true, ...like('apps', 'deployments'),
      storage: { group: 'apps', resource: 'deployments', apiVersion: 'apps/v1' },
      toStorage: deploymentToV1, fromStorage: deploymentFromV1,
      table: printers.deploymentPrinter,
      deprecationWarning: removed('extensions/v1beta1', 'Deployment', '9', 'apps/v1'),
    }),
    defineBuiltin({
      group: 'extensions', version: 'v1beta1', resource: 'daemonsets', kind: 'DaemonSet', definition: 'io.k8s.api.extensions.v1beta1.DaemonSet',
      namespaced: true, status: true, ...like('apps', 'daemonsets'),
      storage: { group: 'apps', resource: 'daemonsets', apiVersion: 'apps/v1' },
      toStorage: daemonSetToV1, fromStorage: daemonSetFromV1,
      table: printers.daemonSetPrinter,
      deprecationWarning: removed('extensions/v1beta1', 'DaemonSet', '9', 'apps/v1'),
    }),
  ];
}
