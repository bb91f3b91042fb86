/**
 * The legacy extensions/v1beta1 group version: ReplicaSet, Deployment, DaemonSet and Ingress, in
 * their last served shape (Kubernetes 1.15 for the workloads; the Ingress fields added until its
 * removal are included). Objects are stored as apps/v1 and networking.k8s.io/v1; the converters
 * below translate in both directions and apply the v1beta1 defaults that differed.
 */
import type { KObject } from '../object.js';
import { deepClone, isPlainObject } from '../object.js';
import {
  atomicList,
  bool,
  def,
  int32,
  int64,
  intOrString,
  kindObj,
  labelSelector,
  listObj,
  mapList,
  obj,
  ref,
  str,
  time,
} from '../schema/builders.js';

const E = 'io.k8s.api.extensions.v1beta1';
const CORE = 'io.k8s.api.core.v1';
const gvk = (kind: string) => ({ group: 'extensions', version: 'v1beta1', kind });

const podTemplate = (description: string) => ref(`${CORE}.PodTemplateSpec`, description);
const selectorDesc =
  'A label query over the pods this object manages; they must match it to be counted. When absent, it defaults to the labels of the pod template.';

// ---------------------------------------------------------------- ReplicaSet

def(
  `${E}.ReplicaSetCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('A human-readable explanation of the condition.'),
      reason: str('A CamelCase reason for the last status change.'),
      status: str('True, False or Unknown.'),
      type: str('The condition type, such as ReplicaFailure.'),
    },
    { description: 'ReplicaSetCondition reports one aspect of the state of a replica set.', required: ['type', 'status'] },
  ),
);

def(
  `${E}.ReplicaSetSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must stay ready, without any container crashing, before it counts as available. Defaults to 0.'),
      replicas: int32('The desired number of pods. Defaults to 1.'),
      selector: labelSelector(selectorDesc),
      template: podTemplate('The pod created when fewer replicas than desired exist.'),
    },
    'ReplicaSetSpec is the desired state of a replica set.',
  ),
);

def(
  `${E}.ReplicaSetStatus`,
  obj(
    {
      availableReplicas: int32('Pods that have been ready for at least minReadySeconds.'),
      conditions: mapList(ref(`${E}.ReplicaSetCondition`), 'type', 'The observed conditions of the replica set.'),
      fullyLabeledReplicas: int32("Pods whose labels match all labels of the replica set's pod template."),
      observedGeneration: int64('The most recent generation observed by the controller.'),
      readyReplicas: int32('Pods with a Ready condition.'),
      replicas: int32('The most recently observed number of non-terminating pods.'),
      terminatingReplicas: int32('Pods that are terminating but have not yet finished.'),
    },
    { description: 'ReplicaSetStatus is the observed state of a replica set.', required: ['replicas'] },
  ),
);

def(
  `${E}.ReplicaSet`,
  kindObj(
    gvk('ReplicaSet'),
    'Deprecated: use apps/v1 ReplicaSet. ReplicaSet keeps a given number of identical pods running. If the object has no labels, they default to those of the pod template.',
    {
      spec: ref(`${E}.ReplicaSetSpec`, 'The desired state of the replica set.'),
      status: ref(`${E}.ReplicaSetStatus`, 'The observed state of the replica set. Read-only.'),
    },
  ),
);
def(`${E}.ReplicaSetList`, listObj(gvk('ReplicaSetList'), `${E}.ReplicaSet`));

// ---------------------------------------------------------------- Deployment

def(
  `${E}.RollbackConfig`,
  obj({ revision: int64('The revision to roll back to; 0 means the previous one.') }, 'Deprecated: RollbackConfig names a revision to roll back to.'),
);

def(
  `${E}.RollingUpdateDeployment`,
  obj(
    {
      maxSurge: intOrString(
        'How many pods may exist above the desired count during an update: a number or a percentage of desired pods (rounded up). Cannot be 0 if maxUnavailable is 0. Defaults to 1.',
      ),
      maxUnavailable: intOrString(
        'How many pods may be unavailable during an update: a number or a percentage of desired pods (rounded down). Cannot be 0 if maxSurge is 0. Defaults to 1.',
      ),
    },
    'RollingUpdateDeployment bounds a rolling update of a deployment.',
  ),
);

def(
  `${E}.DeploymentStrategy`,
  obj(
    {
      rollingUpdate: ref(`${E}.RollingUpdateDeployment`, 'Rolling update parameters; only valid when type is RollingUpdate.'),
      type: str('Recreate (stop all old pods first) or RollingUpdate (replace gradually). Defaults to RollingUpdate.', {
        enum: ['Recreate', 'RollingUpdate'],
      }),
    },
    'DeploymentStrategy describes how old pods are replaced by new ones.',
  ),
);

def(
  `${E}.DeploymentSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must stay ready, without any container crashing, before it counts as available. Defaults to 0.'),
      paused: bool('When true, the deployment controller leaves this deployment alone.'),
      progressDeadlineSeconds: int32(
        'Seconds the deployment may go without progress before it is reported as failed (reason ProgressDeadlineExceeded). Not measured while paused. Defaults to 2147483647, meaning no deadline.',
      ),
      replicas: int32('The desired number of pods. Defaults to 1.'),
      revisionHistoryLimit: int32('How many old replica sets to keep for rollback. Defaults to 2147483647, meaning all of them.'),
      rollbackTo: ref(`${E}.RollbackConfig`, 'Deprecated: a rollback request, cleared once done. Not kept in storage.'),
      selector: labelSelector(selectorDesc),
      strategy: ref(`${E}.DeploymentStrategy`, 'How existing pods are replaced by new ones.', {
        'x-kubernetes-patch-strategy': 'retainKeys',
      }),
      template: podTemplate('The pods to create.'),
    },
    { description: 'DeploymentSpec is the desired state of a deployment.', required: ['template'] },
  ),
);

def(
  `${E}.DeploymentCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last changed status.'),
      lastUpdateTime: time('When the condition was last updated.'),
      message: str('A human-readable explanation of the condition.'),
      reason: str('A CamelCase reason for the last status change.'),
      status: str('True, False or Unknown.'),
      type: str('The condition type: Available, Progressing or ReplicaFailure.'),
    },
    { description: 'DeploymentCondition reports one aspect of the state of a deployment.', required: ['type', 'status'] },
  ),
);

def(
  `${E}.DeploymentStatus`,
  obj(
    {
      availableReplicas: int32('Pods targeted by the deployment that have been ready for at least minReadySeconds.'),
      collisionCount: int32('Hash collisions seen while naming the newest replica set; used to pick a different name.'),
      conditions: mapList(ref(`${E}.DeploymentCondition`), 'type', 'The observed conditions of the deployment.'),
      observedGeneration: int64('The most recent generation observed by the controller.'),
      readyReplicas: int32('Pods targeted by the deployment with a Ready condition.'),
      replicas: int32('Non-terminating pods targeted by the deployment (matching its selector).'),
      terminatingReplicas: int32('Pods targeted by the deployment that are terminating but have not yet finished.'),
      unavailableReplicas: int32('Pods still missing for the deployment to be fully available: created but not yet available, or not yet created.'),
      updatedReplicas: int32('Non-terminating pods targeted by the deployment that run the current template.'),
    },
    'DeploymentStatus is the observed state of a deployment.',
  ),
);

def(
  `${E}.Deployment`,
  kindObj(gvk('Deployment'), 'Deprecated: use apps/v1 Deployment. Deployment declares pods and replica sets and rolls out changes to them.', {
    spec: ref(`${E}.DeploymentSpec`, 'The desired state of the deployment.'),
    status: ref(`${E}.DeploymentStatus`, 'The observed state of the deployment. Read-only.'),
  }),
);
def(`${E}.DeploymentList`, listObj(gvk('DeploymentList'), `${E}.Deployment`));

// ---------------------------------------------------------------- DaemonSet

def(
  `${E}.RollingUpdateDaemonSet`,
  obj(
    {
      maxSurge: intOrString(
        'How many nodes may run an updated pod next to the old one during an update: a number or a percentage of desired nodes (rounded up, at least 1). Cannot be 0 if maxUnavailable is 0. Defaults to 0.',
      ),
      maxUnavailable: intOrString(
        'How many daemon pods may be unavailable during an update: a number or a percentage of desired nodes (rounded up). Cannot be 0 if maxSurge is 0. Defaults to 1.',
      ),
    },
    'RollingUpdateDaemonSet bounds a rolling update of a daemon set.',
  ),
);

def(
  `${E}.DaemonSetUpdateStrategy`,
  obj(
    {
      rollingUpdate: ref(`${E}.RollingUpdateDaemonSet`, 'Rolling update parameters; only valid when type is RollingUpdate.'),
      type: str('OnDelete (replace a pod only once it is deleted) or RollingUpdate (replace node by node). Defaults to OnDelete.', {
        enum: ['OnDelete', 'RollingUpdate'],
      }),
    },
    'DaemonSetUpdateStrategy describes how daemon pods are replaced when the template changes.',
  ),
);

def(
  `${E}.DaemonSetSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new daemon pod must stay ready, without any container crashing, before it counts as available. Defaults to 0.'),
      revisionHistoryLimit: int32('How many old revisions to keep for rollback. Defaults to 10.'),
      selector: labelSelector(selectorDesc),
      template: podTemplate('The pod run on every eligible node (those matching its node selector and affinity, or all nodes).'),
      templateGeneration: int64('Deprecated: a sequence number of the template, set by the system. Not kept in storage.'),
      updateStrategy: ref(`${E}.DaemonSetUpdateStrategy`, 'How daemon pods are replaced when the template changes.'),
    },
    { description: 'DaemonSetSpec is the desired state of a daemon set.', required: ['template'] },
  ),
);

def(
  `${E}.DaemonSetCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('A human-readable explanation of the condition.'),
      reason: str('A CamelCase reason for the last status change.'),
      status: str('True, False or Unknown.'),
      type: str('The condition type.'),
    },
    { description: 'DaemonSetCondition reports one aspect of the state of a daemon set.', required: ['type', 'status'] },
  ),
);

def(
  `${E}.DaemonSetStatus`,
  obj(
    {
      collisionCount: int32('Hash collisions seen while naming the newest controller revision; used to pick a different name.'),
      conditions: mapList(ref(`${E}.DaemonSetCondition`), 'type', 'The observed conditions of the daemon set.'),
      currentNumberScheduled: int32('Nodes that should run the daemon pod and run at least one.'),
      desiredNumberScheduled: int32('Nodes that should run the daemon pod, whether or not they do.'),
      numberAvailable: int32('Nodes that should run the daemon pod and have one that has been ready for at least minReadySeconds.'),
      numberMisscheduled: int32('Nodes that run the daemon pod but should not.'),
      numberReady: int32('Nodes that should run the daemon pod and have one running and ready.'),
      numberUnavailable: int32('Nodes that should run the daemon pod but have none available.'),
      observedGeneration: int64('The most recent generation observed by the controller.'),
      updatedNumberScheduled: int32('Nodes running a daemon pod from the current template.'),
    },
    {
      description: 'DaemonSetStatus is the observed state of a daemon set.',
      required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
    },
  ),
);

def(
  `${E}.DaemonSet`,
  kindObj(gvk('DaemonSet'), 'Deprecated: use apps/v1 DaemonSet. DaemonSet runs a copy of a pod on each eligible node.', {
    spec: ref(`${E}.DaemonSetSpec`, 'The desired state of the daemon set.'),
    status: ref(`${E}.DaemonSetStatus`, 'The observed state of the daemon set. Read-only.'),
  }),
);
def(`${E}.DaemonSetList`, listObj(gvk('DaemonSetList'), `${E}.DaemonSet`));

// ---------------------------------------------------------------- Ingress

def(
  `${E}.IngressBackend`,
  obj(
    {
      resource: ref(
        `${CORE}.TypedLocalObjectReference`,
        'Another object in the namespace of the Ingress that serves the traffic. Excludes serviceName and servicePort.',
      ),
      serviceName: str('The name of the service that serves the traffic.'),
      servicePort: intOrString('The port of the service: a port number or a port name.'),
    },
    'IngressBackend names the service port, or the object, that traffic is sent to.',
  ),
);

def(
  `${E}.HTTPIngressPath`,
  obj(
    {
      backend: ref(`${E}.IngressBackend`, 'Where matching requests are sent.'),
      path: str('The request path to match; must start with "/". When empty, every path matches.'),
      pathType: str(
        'How path is matched: Exact (the whole path, case-sensitive), Prefix (element-wise prefix of the "/"-separated path) or ImplementationSpecific (up to the IngressClass). Defaults to ImplementationSpecific.',
        { enum: ['Exact', 'ImplementationSpecific', 'Prefix'] },
      ),
    },
    { description: 'HTTPIngressPath sends requests whose path matches to a backend.', required: ['backend'] },
  ),
);

def(
  `${E}.HTTPIngressRuleValue`,
  obj(
    { paths: atomicList(ref(`${E}.HTTPIngressPath`), 'Paths and the backends they are sent to.') },
    { description: 'HTTPIngressRuleValue routes HTTP requests by path.', required: ['paths'] },
  ),
);

def(
  `${E}.IngressRule`,
  obj(
    {
      host: str(
        'The host name the rule applies to: a DNS name (no IP, no port), optionally with a wildcard first label like "*.example.com" that matches exactly one label. When empty, the rule applies to every host.',
      ),
      http: ref(`${E}.HTTPIngressRuleValue`, 'HTTP routing for this host.'),
    },
    'IngressRule routes requests for a host to backends.',
  ),
);

def(
  `${E}.IngressTLS`,
  obj(
    {
      hosts: atomicList(str(), 'The host names the certificate covers. Defaults to the wildcard host of the load balancer.'),
      secretName: str('The secret holding the certificate and key used to terminate TLS on port 443. May be empty when routing by SNI only.'),
    },
    'IngressTLS describes TLS termination for some hosts.',
  ),
);

def(
  `${E}.IngressSpec`,
  obj(
    {
      backend: ref(`${E}.IngressBackend`, 'Where requests that match no rule are sent. Either backend or rules must be set.'),
      ingressClassName: str('The IngressClass (and so the controller) that implements this Ingress.'),
      rules: atomicList(ref(`${E}.IngressRule`), 'Host rules. Requests that match none go to the default backend.'),
      tls: atomicList(ref(`${E}.IngressTLS`), 'TLS termination settings. Hosts listed in several entries are told apart by SNI.'),
    },
    'IngressSpec is the desired state of an Ingress.',
  ),
);

def(
  `${E}.IngressStatus`,
  obj(
    { loadBalancer: ref(`${CORE}.LoadBalancerStatus`, 'The addresses of the load balancer serving the Ingress.') },
    'IngressStatus is the observed state of an Ingress.',
  ),
);

def(
  `${E}.Ingress`,
  kindObj(
    gvk('Ingress'),
    'Deprecated: use networking.k8s.io/v1 Ingress. Ingress routes external HTTP(S) traffic to services by host and path, and can terminate TLS.',
    {
      spec: ref(`${E}.IngressSpec`, 'The desired state of the Ingress.'),
      status: ref(`${E}.IngressStatus`, 'The observed state of the Ingress. Read-only.'),
    },
  ),
);
def(`${E}.IngressList`, listObj(gvk('IngressList'), `${E}.Ingress`));

// ================================================================ conversion

const MAX_INT32 = 2147483647;
type Obj = Record<string, any>;

/** Present in the JSON sense: neither absent nor null. */
const has = (v: unknown): boolean => v !== undefined && v !== null;

/** A copy of `o` with apiVersion and kind first, then the remaining fields in their order. */
function retype(o: KObject, apiVersion: string, kind: string): KObject {
  const { apiVersion: _a, kind: _k, ...rest } = deepClone(o);
  return { apiVersion, kind, ...rest };
}

/** Replaces key `from` by key `to`, at the same position, holding `value`. */
function renameKey(o: Obj, from: string, to: string, value: unknown): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === from) out[to] = value;
    else if (k !== to) out[k] = v;
  }
  return out;
}

/** The v1beta1 workload defaulting: selector and object labels from the pod template labels. */
function defaultSelectorAndLabels(o: KObject): void {
  const spec: Obj | undefined = isPlainObject(o.spec) ? o.spec : undefined;
  const templateLabels = isPlainObject(spec?.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (!spec || !isPlainObject(templateLabels)) return;
  if (!has(spec.selector)) spec.selector = { matchLabels: deepClone(templateLabels) };
  if (!isPlainObject(o.metadata)) o.metadata = {};
  const labels = o.metadata.labels;
  if (!isPlainObject(labels) || Object.keys(labels).length === 0) o.metadata.labels = deepClone(templateLabels);
}

/** Fills unset rolling-update bounds of a RollingUpdate (or untyped) strategy. */
function defaultRollingUpdate(spec: Obj, field: string, fallbackType: string, bounds: Record<string, number | string>): void {
  const strategy: Obj = isPlainObject(spec[field]) ? spec[field] : {};
  if (!has(strategy.type)) strategy.type = fallbackType;
  if (strategy.type === 'RollingUpdate') {
    const ru: Obj = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    for (const [k, v] of Object.entries(bounds)) if (!has(ru[k])) ru[k] = v;
    strategy.rollingUpdate = ru;
  }
  spec[field] = strategy;
}

const specOf = (o: KObject): Obj | undefined => (isPlainObject(o.spec) ? o.spec : undefined);

/** extensions/v1beta1 ReplicaSet -> apps/v1 ReplicaSet. */
export function replicaSetToV1(o: KObject): KObject {
  const out = retype(o, 'apps/v1', 'ReplicaSet');
  defaultSelectorAndLabels(out);
  return out;
}

/** apps/v1 ReplicaSet -> extensions/v1beta1 ReplicaSet. */
export function replicaSetFromV1(o: KObject): KObject {
  return retype(o, 'extensions/v1beta1', 'ReplicaSet');
}

/** extensions/v1beta1 Deployment -> apps/v1 Deployment. */
export function deploymentToV1(o: KObject): KObject {
  const out = retype(o, 'apps/v1', 'Deployment');
  defaultSelectorAndLabels(out);
  const spec = specOf(out);
  if (spec) {
    delete spec.rollbackTo;
    // v1beta1 defaults that apps/v1 changed: keep the object's behaviour by writing them out.
    defaultRollingUpdate(spec, 'strategy', 'RollingUpdate', { maxUnavailable: 1, maxSurge: 1 });
    if (!has(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = MAX_INT32;
    if (!has(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = MAX_INT32;
  }
  return out;
}

/** apps/v1 Deployment -> extensions/v1beta1 Deployment. */
export function deploymentFromV1(o: KObject): KObject {
  const out = retype(o, 'extensions/v1beta1', 'Deployment');
  const spec = specOf(out);
  if (spec) {
    // apps/v1 defaults that v1beta1 would read differently when absent.
    defaultRollingUpdate(spec, 'strategy', 'RollingUpdate', { maxUnavailable: '25%', maxSurge: '25%' });
    if (!has(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
    if (!has(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  }
  return out;
}

/** extensions/v1beta1 DaemonSet -> apps/v1 DaemonSet. */
export function daemonSetToV1(o: KObject): KObject {
  const out = retype(o, 'apps/v1', 'DaemonSet');
  defaultSelectorAndLabels(out);
  const spec = specOf(out);
  if (spec) {
    delete spec.templateGeneration;
    defaultRollingUpdate(spec, 'updateStrategy', 'OnDelete', { maxUnavailable: 1 });
  }
  return out;
}

/** apps/v1 DaemonSet -> extensions/v1beta1 DaemonSet. */
export function daemonSetFromV1(o: KObject): KObject {
  const out = retype(o, 'extensions/v1beta1', 'DaemonSet');
  const spec = specOf(out);
  if (spec) defaultRollingUpdate(spec, 'updateStrategy', 'RollingUpdate', { maxUnavailable: 1 });
  return out;
}

// ---------------------------------------------------------------- Ingress

/** {serviceName, servicePort, resource} -> {service: {name, port: {number} | {name}}, resource}. */
function backendToV1(b: unknown): unknown {
  if (!isPlainObject(b)) return b;
  const out: Obj = {};
  const port: unknown = b.servicePort;
  if (has(b.serviceName) || has(port)) {
    const service: Obj = {};
    if (has(b.serviceName)) service.name = b.serviceName;
    if (typeof port === 'number') service.port = { number: port };
    else if (typeof port === 'string') service.port = /^\d+$/.test(port) ? { number: Number(port) } : { name: port };
    out.service = service;
  }
  if (has(b.resource)) out.resource = deepClone(b.resource);
  return out;
}

/** {service: {name, port}, resource} -> {serviceName, servicePort, resource}. */
function backendFromV1(b: unknown): unknown {
  if (!isPlainObject(b)) return b;
  const out: Obj = {};
  if (isPlainObject(b.service)) {
    if (has(b.service.name)) out.serviceName = b.service.name;
    const port: unknown = b.service.port;
    if (isPlainObject(port)) {
      if (typeof port.name === 'string' && port.name !== '') out.servicePort = port.name;
      else if (has(port.number)) out.servicePort = port.number;
    }
  }
  if (has(b.resource)) out.resource = deepClone(b.resource);
  return out;
}

/** Converts every rule's path backends; toV1 also defaults pathType. */
function mapRules(rules: unknown, toV1: boolean): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule: unknown) => {
    if (!isPlainObject(rule) || !isPlainObject(rule.http) || !Array.isArray(rule.http.paths)) return rule;
    const paths = rule.http.paths.map((p: unknown) => {
      if (!isPlainObject(p)) return p;
      const q: Obj = { ...p };
      if (toV1 && !has(q.pathType)) q.pathType = 'ImplementationSpecific';
      if ('backend' in q) q.backend = toV1 ? backendToV1(q.backend) : backendFromV1(q.backend);
      return q;
    });
    return { ...rule, http: { ...rule.http, paths } };
  });
}

/** Load balancer ingress points keep ip, hostname and ports (core/v1 and networking/v1 shapes agree on these). */
function mapLoadBalancer(status: Obj): void {
  const lb = status.loadBalancer;
  if (!isPlainObject(lb) || !Array.isArray(lb.ingress)) return;
  status.loadBalancer = {
    ...lb,
    ingress: lb.ingress.map((i: unknown) => {
      if (!isPlainObject(i)) return i;
      const out: Obj = {};
      for (const k of ['ip', 'hostname', 'ports']) if (has(i[k])) out[k] = i[k];
      return out;
    }),
  };
}

function convertIngress(o: KObject, apiVersion: string, toV1: boolean): KObject {
  const out = retype(o, apiVersion, 'Ingress');
  if (isPlainObject(out.spec)) {
    let spec: Obj = out.spec;
    const [from, to] = toV1 ? ['backend', 'defaultBackend'] : ['defaultBackend', 'backend'];
    if (from in spec) spec = renameKey(spec, from, to, toV1 ? backendToV1(spec[from]) : backendFromV1(spec[from]));
    if ('rules' in spec) spec.rules = mapRules(spec.rules, toV1);
    out.spec = spec;
  }
  if (isPlainObject(out.status)) mapLoadBalancer(out.status);
  return out;
}

/** extensions/v1beta1 or networking.k8s.io/v1beta1 Ingress -> networking.k8s.io/v1 Ingress. */
export function ingressToV1(o: KObject): KObject {
  return convertIngress(o, 'networking.k8s.io/v1', true);
}

/** networking.k8s.io/v1 Ingress -> extensions/v1beta1 or networking.k8s.io/v1beta1 Ingress. */
export function ingressFromV1(o: KObject, apiVersion: 'extensions/v1beta1' | 'networking.k8s.io/v1beta1'): KObject {
  return convertIngress(o, apiVersion, false);
}
