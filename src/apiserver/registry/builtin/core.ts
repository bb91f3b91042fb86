/** core/v1 resources. */
import type { KObject } from '../../../apis/object.js';
import {
  admitPodOnCreate,
  defaultNamespace,
  defaultNamespaceOnCreate,
  defaultNode,
  defaultPod,
  defaultPodStatusOnCreate,
  defaultService,
} from '../../../apis/defaults/builtin.js';
import type { FieldError } from '../../../apis/validation/field.js';
import { invalidError } from '../../../apis/validation/field.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from '../../../apis/validation/pod.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateEndpoints,
  validateEvent,
  validateNamespace,
  validateNode,
  validateNodeUpdate,
  validateSecret,
  validateSecretUpdate,
  validateService,
  validateServiceAccount,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from '../../../apis/validation/service.js';
import { forbidden } from '../../errors.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType } from '../types.js';
import { defineBuiltin } from './define.js';
import { podGracePeriod } from './pod-helpers.js';
import type { ServiceAllocator } from './service-allocator.js';

const ALL = ['all'];

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

function labelNamespace(ns: KObject): void {
  const m = ns.metadata!;
  m.labels = { ...(m.labels ?? {}), [NAMESPACE_NAME_LABEL]: m.name! };
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function coreResources(allocator: ServiceAllocator): ResourceType[] {
  return [
    defineBuiltin({
      group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', definition: 'io.k8s.api.core.v1.Namespace',
      namespaced: false, shortNames: ['ns'], status: true,
      custom: { finalize: { verbs: ['update'], kind: 'Namespace' } },
      strategy: {
        nameRule: 'dns1123-label',
        defaults: defaultNamespace,
        prepareForCreate: (ns) => {
          defaultNamespaceOnCreate(ns);
          labelNamespace(ns);
          ns.status = { phase: 'Active' };
        },
        prepareForUpdate: (ns, old) => {
          labelNamespace(ns);
          // spec.finalizers change only through the finalize subresource.
          ns.spec = { ...(ns.spec ?? {}), finalizers: old.spec?.finalizers ?? [] };
          if ((old.spec?.finalizers ?? []).length === 0) delete ns.spec.finalizers;
        },
        prepareForDelete: (ns) => {
          ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
        },
        isHeld: (ns) => (ns.spec?.finalizers?.length ?? 0) > 0,
        checkDelete: (ns) => {
          // The NamespaceLifecycle admission plugin's immortal namespaces.
          const name = ns.metadata?.name ?? '';
          if (IMMORTAL_NAMESPACES.includes(name)) {
            throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
          }
        },
        validate: (ns) => validateNamespace(ns),
      },
      table: printers.namespacePrinter,
      fieldSelectors: { 'status.phase': (o) => o.status?.phase },
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'pods', kind: 'Pod', definition: 'io.k8s.api.core.v1.Pod',
      namespaced: true, shortNames: ['po'], categories: ALL, status: true,
      custom: {
        binding: { verbs: ['create'], kind: 'Binding' },
        log: { verbs: ['get'], kind: 'Pod' },
        eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
      },
      strategy: {
        defaults: defaultPod,
        prepareForCreate: (pod) => {
          admitPodOnCreate(pod);
          pod.status = {};
          defaultPodStatusOnCreate(pod);
        },
        gracePeriodSeconds: podGracePeriod,
        validate: (pod) => validatePod(pod),
        validateUpdate: (pod, old) => validatePodUpdate(pod, old),
        validateStatusUpdate: (pod, old) => validatePodStatusUpdate(pod, old),
      },
      table: printers.podPrinter,
      fieldSelectors: {
        'spec.nodeName': (o) => o.spec?.nodeName,
        'spec.restartPolicy': (o) => o.spec?.restartPolicy,
        'spec.schedulerName': (o) => o.spec?.schedulerName,
        'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
        'spec.hostNetwork': (o) => String(!!o.spec?.hostNetwork),
        'status.phase': (o) => o.status?.phase,
        'status.podIP': (o) => o.status?.podIP,
        'status.nominatedNodeName': (o) => o.status?.nominatedNodeName,
      },
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'podtemplates', kind: 'PodTemplate', definition: 'io.k8s.api.core.v1.PodTemplate',
      namespaced: true, table: printers.podTemplatePrinter,
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'services', kind: 'Service', definition: 'io.k8s.api.core.v1.Service',
      namespaced: true, shortNames: ['svc'], categories: ALL, status: true,
      custom: { proxy: { verbs: ['get'], kind: 'ServiceProxyOptions' } },
      strategy: {
        nameRule: 'dns1035-label',
        defaults: defaultService,
        prepareForCreate: (svc, ctx) => {
          svc.status = { loadBalancer: {} };
          const all = ctx.lookup.list(ctx.lookup.type('', 'services')!);
          allocateService(allocator, svc, all);
        },
        prepareForUpdate: (svc, old, ctx) => {
          keepAllocatedValues(svc, old);
          const all = ctx.lookup.list(ctx.lookup.type('', 'services')!);
          allocateService(allocator, svc, all);
        },
        validate: (svc) => validateService(svc),
        validateUpdate: (svc, old) => validateServiceUpdate(svc, old),
        validateStatusUpdate: (svc, old) => validateServiceStatusUpdate(svc, old),
      },
      table: printers.servicePrinter,
      fieldSelectors: { 'spec.clusterIP': (o) => o.spec?.clusterIP, 'spec.type': (o) => o.spec?.type },
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', definition: 'io.k8s.api.core.v1.Endpoints',
      namespaced: true, shortNames: ['ep'], singular: 'endpoints',
      strategy: { nameRule: 'dns1123-subdomain', validate: (o) => validateEndpoints(o) },
      table: printers.endpointsPrinter,
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', definition: 'io.k8s.api.core.v1.ConfigMap',
      namespaced: true, shortNames: ['cm'],
      strategy: { validate: (o) => validateConfigMap(o), validateUpdate: (o, old) => validateConfigMapUpdate(o, old) },
      table: printers.configMapPrinter,
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'secrets', kind: 'Secret', definition: 'io.k8s.api.core.v1.Secret',
      namespaced: true,
      strategy: {
        defaults: (s) => {
          // stringData is write-only: merged into data (base64) and never stored.
          if (s.stringData) {
            s.data = { ...(s.data ?? {}) };
            for (const [k, v] of Object.entries(s.stringData as Record<string, string>)) s.data[k] = Buffer.from(String(v)).toString('base64');
            delete s.stringData;
          }
          s.type ??= 'Opaque';
        },
        validate: (o) => validateSecret(o),
        validateUpdate: (o, old) => validateSecretUpdate(o, old),
      },
      table: printers.secretPrinter,
      fieldSelectors: { type: (o) => o.type },
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', definition: 'io.k8s.api.core.v1.ServiceAccount',
      namespaced: true, shortNames: ['sa'],
      custom: { token: { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' } },
      strategy: { validate: (o) => validateServiceAccount(o) },
      table: printers.serviceAccountPrinter,
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'events', kind: 'Event', definition: 'io.k8s.api.core.v1.Event',
      namespaced: true, shortNames: ['ev'],
      strategy: { nameRule: 'dns1123-subdomain', validate: (o) => validateEvent(o) },
      table: printers.eventPrinter,
      fieldSelectors: eventFieldSelectors(),
    }),
    defineBuiltin({
      group: '', version: 'v1', resource: 'nodes', kind: 'Node', definition: 'io.k8s.api.core.v1.Node',
      namespaced: false, shortNames: ['no'], status: true,
      custom: { proxy: { verbs: ['get'], kind: 'NodeProxyOptions' } },
      strategy: { defaults: defaultNode, validate: (o) => validateNode(o), validateUpdate: (o, old) => validateNodeUpdate(o, old) },
      table: printers.nodePrinter,
      fieldSelectors: { 'spec.unschedulable': (o) => String(!!o.spec?.unschedulable) },
    }),
  ];
}

export function eventFieldSelectors(): Record<string, (o: KObject) => string | undefined> {
  return {
    'involvedObject.kind': (o) => str(o.involvedObject?.kind),
    'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
    'involvedObject.name': (o) => str(o.involvedObject?.name),
    'involvedObject.uid': (o) => str(o.involvedObject?.uid),
    'involvedObject.apiVersion': (o) => str(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(o.involvedObject?.fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(o.source?.component),
    type: (o) => str(o.type),
  };
}

/**
 * On update a Service keeps the addresses it was given unless the client sets new ones, and a
 * type change drops what only the old type used (Kubernetes' dropTypeDependentFields), when the
 * client left those fields as they were.
 */
function keepAllocatedValues(svc: KObject, old: KObject): void {
  const spec = (svc.spec ??= {});
  const oldSpec = old.spec ?? {};
  if (spec.type !== oldSpec.type) {
    const same = (k: string) => JSON.stringify(spec[k]) === JSON.stringify(oldSpec[k]);
    const external = (t: string) => t === 'NodePort' || t === 'LoadBalancer';
    if (!external(spec.type)) {
      for (const p of spec.ports ?? []) {
        const prev = (oldSpec.ports ?? []).find((q: KObject) => q.port === p.port);
        if (prev && p.nodePort === prev.nodePort) delete p.nodePort;
      }
      if (same('externalTrafficPolicy')) delete spec.externalTrafficPolicy;
      if (same('healthCheckNodePort')) delete spec.healthCheckNodePort;
    }
    if (spec.type !== 'LoadBalancer') {
      for (const k of ['allocateLoadBalancerNodePorts', 'loadBalancerClass', 'loadBalancerIP', 'loadBalancerSourceRanges']) if (same(k)) delete spec[k];
    }
    if (spec.type === 'ExternalName' && oldSpec.type !== 'ExternalName') {
      for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) if (same(k)) delete spec[k];
    }
  }
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs && oldSpec.clusterIPs && spec.clusterIP === oldSpec.clusterIP) spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const prev = (oldSpec.ports ?? []).find((q: KObject) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
    if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  } else {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
}

function allocateService(allocator: ServiceAllocator, svc: KObject, all: KObject[]): void {
  const spec = (svc.spec ??= {});
  const others = all.filter((s) => s.metadata?.uid !== svc.metadata?.uid);
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (spec.clusterIP === 'None') {
    spec.clusterIPs = ['None'];
  } else {
    const requested: string | undefined = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
    const kept = requested !== undefined && all.some((s) => s.metadata?.uid === svc.metadata?.uid && s.spec?.clusterIP === requested);
    const ip = kept ? requested : allocator.allocateIp(others, requested, errs, svc.metadata?.uid);
    if (ip) {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') allocator.allocateNodePorts(others, svc, errs);
  if (errs.length) throw invalidError('Service', '', svc.metadata?.name ?? '', errs);
}
