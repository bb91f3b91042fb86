/**
 * Defaults of built-in kinds that depend on other fields (Kubernetes 1.33 SetDefaults_* in
 * pkg/apis/{core,apps,batch,discovery}/v1/defaults.go, plus the few admission and registry
 * defaults noted on each function). They run after the constant schema defaults and change
 * objects in place; constants are set again with ??= so they also hold without a schema.
 */
import type { KObject } from '../object.js';
import { isPlainObject } from '../object.js';
import { computePodQOSClass } from '../validation/pod.js';

type Obj = Record<string, any>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);

// --- Containers and pod specs --------------------------------------------------------------------

/**
 * The tag of an image reference as Kubernetes' parsers.ParseImageName finds it: "latest" when
 * neither tag nor digest is given; undefined for references that do not parse.
 */
export function imageTag(image: string): string | undefined {
  if (!image || /\s/.test(image)) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  // Repository path components are lower case (the registry host may have a port and capitals).
  const parts = rest.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!) ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c))) return undefined;
  return tag ?? (digest ? '' : 'latest');
}

function defaultProbeHandler(h: Obj | undefined): void {
  if (!isPlainObject(h?.httpGet)) return;
  h.httpGet.path ||= '/';
  h.httpGet.scheme ||= 'HTTP';
}

function defaultProbe(p: Obj | undefined): void {
  if (!isPlainObject(p)) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  defaultProbeHandler(p);
}

/** SetDefaults_Container and the defaults of what it contains. */
export function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  // Go always serializes the (non-pointer) resources struct.
  if (!isPlainObject(c.resources)) c.resources = {};
  for (const p of arr(c.ports)) p.protocol ||= 'TCP';
  for (const e of arr(c.env)) {
    const fr = e.valueFrom?.fieldRef;
    if (isPlainObject(fr)) fr.apiVersion ||= 'v1';
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
  if (isPlainObject(c.lifecycle)) {
    defaultProbeHandler(c.lifecycle.postStart);
    defaultProbeHandler(c.lifecycle.preStop);
  }
}

const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
];

/** SetDefaults_Volume and the volume source defaults (file modes 0644, hostPath type ""). */
export function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isPlainObject(v[k])) v[k].defaultMode ??= 0o644;
  }
  if (isPlainObject(v.hostPath)) v.hostPath.type ??= '';
  for (const src of arr(v.projected?.sources)) {
    if (isPlainObject(src.serviceAccountToken)) src.serviceAccountToken.expirationSeconds ??= 3600;
    for (const item of arr(src.downwardAPI?.items)) if (isPlainObject(item.fieldRef)) item.fieldRef.apiVersion ||= 'v1';
  }
  for (const item of arr(v.downwardAPI?.items)) if (isPlainObject(item.fieldRef)) item.fieldRef.apiVersion ||= 'v1';
  const pvc = v.ephemeral?.volumeClaimTemplate?.spec;
  if (isPlainObject(pvc)) pvc.volumeMode ??= 'Filesystem';
}

/**
 * SetDefaults_PodSpec and everything inside a pod spec. Pods and pod templates both get these;
 * Pod-only defaults are in defaultPod.
 */
export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isPlainObject(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // core/v1 conversion keeps the deprecated serviceAccount field equal to serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of arr(spec.volumes)) defaultVolume(v);
}

/** Defaults of a pod template (Deployment, ReplicaSet, ... templates): the pod spec only. */
export function defaultPodTemplateSpec(t: Obj | undefined): void {
  if (!isPlainObject(t)) return;
  if (!isPlainObject(t.spec)) t.spec = {};
  defaultPodSpec(t.spec);
}

function defaultRequestsFromLimits(c: Obj): void {
  const limits = c.resources?.limits;
  if (!isPlainObject(limits)) return;
  const requests = (c.resources.requests = isPlainObject(c.resources.requests) ? c.resources.requests : {});
  for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
}

/**
 * Pod defaults: SetDefaults_Pod (requests default to limits, enableServiceLinks, host ports
 * with hostNetwork), the pod spec defaults, and serviceAccountName "default" (which the
 * ServiceAccount admission plugin sets on Pods only).
 */
export function defaultPod(pod: KObject): void {
  const spec: Obj = isPlainObject(pod.spec) ? pod.spec : (pod.spec = {});
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) defaultRequestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
      for (const p of arr(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
  if (!spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccountName = 'default';
  defaultPodSpec(spec);
}

/** What the pod registry sets on create: a fresh status with phase Pending and the QoS class. */
export function defaultPodStatusOnCreate(pod: KObject): void {
  pod.status = { phase: 'Pending', qosClass: computePodQOSClass(pod) };
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/**
 * Defaults that kube-apiserver's default admission plugins add to new Pods: the 300s NoExecute
 * tolerations for not-ready/unreachable nodes (DefaultTolerationSeconds) and priority 0 with
 * preemptionPolicy PreemptLowerPriority when no PriorityClass is named (Priority). Create only.
 */
export function admitPodOnCreate(pod: KObject): void {
  const spec: Obj = isPlainObject(pod.spec) ? pod.spec : (pod.spec = {});
  const tolerations = arr(spec.tolerations);
  const tolerates = (key: string) => tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const add = [NOT_READY, UNREACHABLE]
    .filter((k) => !tolerates(k))
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }));
  if (add.length) spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...add];
  const system: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };
  if (!spec.priorityClassName) {
    spec.priority ??= 0;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
  } else if (spec.priorityClassName in system) {
    spec.priority ??= system[spec.priorityClassName];
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
  }
}

// --- apps/v1 -------------------------------------------------------------------------------------

/** SetDefaults_Deployment: rollingUpdate 25%/25% for RollingUpdate, template pod defaults. */
export function defaultDeployment(d: KObject): void {
  const spec: Obj = isPlainObject(d.spec) ? d.spec : (d.spec = {});
  spec.replicas ??= 1;
  const strategy = (spec.strategy = isPlainObject(spec.strategy) ? spec.strategy : {});
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

export function defaultReplicaSet(rs: KObject): void {
  const spec: Obj = isPlainObject(rs.spec) ? rs.spec : (rs.spec = {});
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

/** SetDefaults_DaemonSet: rollingUpdate maxUnavailable 1, maxSurge 0 for RollingUpdate. */
export function defaultDaemonSet(ds: KObject): void {
  const spec: Obj = isPlainObject(ds.spec) ? ds.spec : (ds.spec = {});
  const us = (spec.updateStrategy = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {});
  us.type ||= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate = isPlainObject(us.rollingUpdate) ? us.rollingUpdate : {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

/**
 * SetDefaults_StatefulSet: RollingUpdate gets rollingUpdate.partition 0, the PVC retention
 * policy Retain/Retain, and each volumeClaimTemplate the PVC defaults. Kubernetes creates
 * rollingUpdate only when updateStrategy.type was empty; once a schema default has filled the
 * type that case cannot be told apart, so an absent rollingUpdate is always created here.
 */
export function defaultStatefulSet(sts: KObject): void {
  const spec: Obj = isPlainObject(sts.spec) ? sts.spec : (sts.spec = {});
  spec.replicas ??= 1;
  spec.podManagementPolicy ||= 'OrderedReady';
  spec.revisionHistoryLimit ??= 10;
  const us = (spec.updateStrategy = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {});
  us.type ||= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate = isPlainObject(us.rollingUpdate) ? us.rollingUpdate : {});
    ru.partition ??= 0;
  }
  const policy = (spec.persistentVolumeClaimRetentionPolicy = isPlainObject(spec.persistentVolumeClaimRetentionPolicy)
    ? spec.persistentVolumeClaimRetentionPolicy
    : {});
  policy.whenDeleted ||= 'Retain';
  policy.whenScaled ||= 'Retain';
  for (const t of arr(spec.volumeClaimTemplates)) {
    t.apiVersion ||= 'v1';
    t.kind ||= 'PersistentVolumeClaim';
    if (isPlainObject(t.spec)) t.spec.volumeMode ??= 'Filesystem';
    t.status = isPlainObject(t.status) ? t.status : {};
    t.status.phase ||= 'Pending';
  }
  defaultPodTemplateSpec(spec.template);
}

// --- batch/v1 ------------------------------------------------------------------------------------

/**
 * SetDefaults_Job. completions and parallelism both 1 when both are unset, else parallelism 1;
 * backoffLimit 6 (MaxInt32 with backoffLimitPerIndex); completionMode NonIndexed; suspend
 * false; podReplacementPolicy Failed with a podFailurePolicy, else TerminatingOrFailed; Job
 * labels from the template when the Job has none.
 */
export function defaultJob(job: KObject): void {
  const spec: Obj = isPlainObject(job.spec) ? job.spec : (job.spec = {});
  const unset = (v: unknown) => v === undefined || v === null;
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  const templateLabels = spec.template?.metadata?.labels;
  if (isPlainObject(templateLabels) && Object.keys(job.metadata?.labels ?? {}).length === 0) {
    job.metadata = { ...(job.metadata ?? {}), labels: { ...templateLabels } };
  }
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of arr(spec.podFailurePolicy?.rules)) for (const p of arr(rule.onPodConditions)) p.status ||= 'True';
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplateSpec(spec.template);
}

/**
 * The Job registry's create-time selector generation (needs metadata.name and metadata.uid):
 * unless spec.manualSelector is true, the template gets the controller-uid and job-name labels
 * (legacy and batch.kubernetes.io/ forms) and spec.selector matches the uid. manualSelector
 * is recorded as false when unset.
 */
export function generateJobSelector(job: KObject): void {
  const spec: Obj = isPlainObject(job.spec) ? job.spec : (job.spec = {});
  if (spec.manualSelector === true) return;
  spec.manualSelector ??= false;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const template = (spec.template = isPlainObject(spec.template) ? spec.template : {});
  const tm = (template.metadata = isPlainObject(template.metadata) ? template.metadata : {});
  const labels = (tm.labels = isPlainObject(tm.labels) ? tm.labels : {});
  for (const k of ['job-name', 'batch.kubernetes.io/job-name']) if (!(k in labels)) labels[k] = name;
  for (const k of ['controller-uid', 'batch.kubernetes.io/controller-uid']) if (!(k in labels)) labels[k] = uid;
  const sel = (spec.selector = isPlainObject(spec.selector) ? spec.selector : {});
  const ml = (sel.matchLabels = isPlainObject(sel.matchLabels) ? sel.matchLabels : {});
  if (!('batch.kubernetes.io/controller-uid' in ml)) ml['batch.kubernetes.io/controller-uid'] = uid;
}

/**
 * SetDefaults_CronJob (constants) and the pod template defaults of the job template. The job
 * template itself does not get the Job defaults.
 */
export function defaultCronJob(cj: KObject): void {
  const spec: Obj = isPlainObject(cj.spec) ? cj.spec : (cj.spec = {});
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
}

// --- core/v1 -------------------------------------------------------------------------------------

/**
 * SetDefaults_Service plus the registry's IP family defaults: targetPort = port, traffic
 * policies, allocateLoadBalancerNodePorts, session affinity config, and ipFamilyPolicy /
 * ipFamilies for a single-stack IPv4 cluster (headless services without a selector get
 * RequireDualStack, as Kubernetes gives them). ExternalName services get none of the IP fields.
 */
export function defaultService(svc: KObject): void {
  const spec: Obj = isPlainObject(svc.spec) ? svc.spec : (svc.spec = {});
  spec.type ||= 'ClusterIP';
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  for (const p of arr(spec.ports)) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ing of arr(svc.status?.loadBalancer?.ingress)) if (ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
  }
  if (spec.type !== 'ExternalName') {
    const headlessNoSelector = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
    spec.ipFamilyPolicy ??= headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}

/**
 * SetDefaults_Namespace and SetDefaults_NamespaceStatus: the kubernetes.io/metadata.name label
 * (always the name) and status.phase Active when empty.
 */
export function defaultNamespace(ns: KObject): void {
  if (ns.metadata?.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  const status = (ns.status = isPlainObject(ns.status) ? ns.status : {});
  status.phase ||= 'Active';
}

/** The namespace registry on create: spec.finalizers gets "kubernetes", status starts Active. */
export function defaultNamespaceOnCreate(ns: KObject): void {
  const spec = (ns.spec = isPlainObject(ns.spec) ? ns.spec : {});
  const f: string[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
  if (!f.includes('kubernetes')) spec.finalizers = [...f, 'kubernetes'];
  ns.status = { phase: 'Active' };
}

/** SetDefaults_NodeStatus: allocatable is a copy of capacity when absent. */
export function defaultNode(node: KObject): void {
  const status = node.status;
  if (isPlainObject(status) && isPlainObject(status.capacity) && status.allocatable === undefined) status.allocatable = { ...status.capacity };
}

/** discovery/v1 SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(es: KObject): void {
  for (const p of arr(es.ports)) {
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

/** SetDefaults_Endpoints: port protocol TCP. */
export function defaultEndpoints(ep: KObject): void {
  for (const ss of arr(ep.subsets)) for (const p of arr(ss.ports)) p.protocol ||= 'TCP';
}

/** SetDefaults_Secret: type Opaque. */
export function defaultSecret(s: KObject): void {
  s.type ||= 'Opaque';
}

/** core/v1 PodTemplate: pod template defaults. */
export function defaultPodTemplate(pt: KObject): void {
  defaultPodTemplateSpec(pt.template);
}
