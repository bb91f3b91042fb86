/**
 * Table printers of the built-in kinds, reproducing Kubernetes 1.33's server-side printers
 * (pkg/printers/internalversion): the same columns, types, priorities and cell values.
 * The server always prints wide rows; kubectl hides priority-1 columns unless `-o wide`.
 * Objects arrive in their storage versions, with Kubernetes' defaults applied.
 */
import { formatLabelSelector, labelSelectorString } from '../../apis/meta/labels.js';
import type { KObject } from '../../apis/object.js';
import { isPlainObject } from '../../apis/object.js';
import type { TableColumn, TablePrinter } from '../registry/types.js';
import { age, humanDuration, timestampMs } from './age.js';
import { nameColumn } from './table.js';

// ---------------------------------------------------------------------------------------------
// Columns and small helpers
// ---------------------------------------------------------------------------------------------

const col = (name: string, type: TableColumn['type'], description: string, priority = 0): TableColumn => ({
  name,
  type,
  format: '',
  description,
  priority,
});

const ageColumn = col('Age', 'string', 'Time elapsed since the object was created.');
const containersColumn = col('Containers', 'string', 'Names of each container in the template.', 1);
const imagesColumn = col('Images', 'string', 'Images referenced by each container in the template.', 1);
const selectorColumn = (what: string): TableColumn => col('Selector', 'string', `Label query over the ${what}.`, 1);

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, any> => (isPlainObject(v) ? v : {});
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const nameOf = (o: KObject): string => str(o.metadata?.name);
const ageOf = (o: KObject, now: number): string => age(o.metadata?.creationTimestamp, now);
const orNone = (s: string): string => (s === '' ? '<none>' : s);

function printer(columns: TableColumn[], cells: (o: KObject, now: number) => unknown[]): TablePrinter {
  return { columns, cells };
}

/** Go's sets.NewString(...).List(): unique and sorted. */
const sortedSet = (values: string[]): string[] => [...new Set(values)].sort();

/** labels.FormatLabels: "k=v" pairs sorted and comma-joined, or "<none>". */
export function formatLabels(labels: unknown): string {
  const pairs = Object.entries(obj(labels)).map(([k, v]) => `${k}=${str(v)}`);
  return pairs.length === 0 ? '<none>' : pairs.sort().join(',');
}

/** Container names and images, each comma-joined (layoutContainerCells). */
function containerCells(podSpec: unknown): [string, string] {
  const cs = arr(obj(podSpec).containers);
  return [cs.map((c) => str(c?.name)).join(','), cs.map((c) => str(c?.image)).join(',')];
}

const templateSpec = (o: KObject): unknown => o.spec?.template?.spec;

/** intstr.IntOrString.String(). */
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : str(v));

/** net.JoinHostPort. */
const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** "a,b,c + N more..." for lists cut at three, "<unset>" for empty ones (listWithMoreString). */
function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** Status of the first condition of a type is True. */
function conditionTrue(conditions: unknown, type: string): boolean {
  const c = arr(conditions).find((x) => x?.type === type);
  return c !== undefined && c.status === 'True';
}

/** Load-balancer ingress points (IP, else hostname), unique and sorted. Never clipped: rows are wide. */
function loadBalancerString(lb: unknown): string {
  const points = arr(obj(lb).ingress)
    .map((i) => str(i?.ip) || str(i?.hostname))
    .filter((s) => s !== '');
  return sortedSet(points).join(',');
}

/** "Name" and "Created At" (RFC 3339, UTC), for kinds Kubernetes prints with its default table convertor. */
function createdAtPrinter(): TablePrinter {
  return printer(
    [nameColumn, col('Created At', 'date', 'Time the object was created, in RFC 3339 form.')],
    (o) => [nameOf(o), rfc3339(o.metadata?.creationTimestamp)],
  );
}

function rfc3339(ts: unknown): string {
  const ms = timestampMs(ts) ?? Date.parse('0001-01-01T00:00:00Z');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// core/v1
// ---------------------------------------------------------------------------------------------

const isRestartableInit = (c: unknown): boolean => obj(c).restartPolicy === 'Always';

/** hasPodReadyCondition: any Ready condition with status True. */
const hasReadyCondition = (conditions: unknown): boolean =>
  arr(conditions).some((c) => c?.type === 'Ready' && c?.status === 'True');

/** A terminated container's reason, or "Signal:N" / "ExitCode:N" when it has none. */
const terminatedReason = (t: Record<string, any>): string =>
  t.reason ? str(t.reason) : int(t.signal) !== 0 ? `Signal:${int(t.signal)}` : `ExitCode:${int(t.exitCode)}`;

/** The terminated state a container was in before its last restart, if any. */
const lastTerminatedState = (cs: Record<string, any>): Record<string, any> | undefined => {
  const t = obj(cs.lastState).terminated;
  return isPlainObject(t) ? t : undefined;
};

/** Pod STATUS, READY and RESTARTS as printPod computes them. */
export function podSummary(pod: KObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;
  const later = (cur: number | undefined, ts: unknown): number | undefined => {
    const ms = timestampMs(ts);
    return ms !== undefined && (cur === undefined || cur < ms) ? ms : cur;
  };

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of arr(status.conditions)) {
    if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = arr(spec.initContainers);
  const initByName = new Map<string, unknown>();
  for (const c of initSpecs) {
    initByName.set(str(c?.name), c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = obj(initStatuses[i]);
    const state = obj(cs.state);
    const lastTerminated = lastTerminatedState(cs);
    const restartable = isRestartableInit(initByName.get(str(cs.name)));
    restarts += int(cs.restartCount);
    if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt);
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated.finishedAt);
    }
    const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
    const waiting = isPlainObject(state.waiting) ? state.waiting : undefined;
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      reason = `Init:${terminatedReason(terminated)}`;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (() => {
    const c = arr(status.conditions).find((x) => x?.type === 'Initialized');
    return c !== undefined && c.status === 'True';
  })();
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = obj(statuses[i]);
      const state = obj(cs.state);
      const lastTerminated = lastTerminatedState(cs);
      restarts += int(cs.restartCount);
      if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt);
      const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
      const waiting = isPlainObject(state.waiting) ? state.waiting : undefined;
      if (waiting && waiting.reason) {
        reason = str(waiting.reason);
      } else if (terminated && terminated.reason) {
        reason = str(terminated.reason);
      } else if (terminated) {
        reason = terminatedReason(terminated);
      } else if (cs.ready === true && isPlainObject(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      reason = hasReadyCondition(status.conditions) ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsText = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function podReadinessGates(pod: KObject): string {
  const gates = arr(pod.spec?.readinessGates);
  if (gates.length === 0) return '<none>';
  let trueConditions = 0;
  for (const g of gates) {
    const c = arr(pod.status?.conditions).find((x) => x?.type === g?.conditionType);
    if (c?.status === 'True') trueConditions++;
  }
  return `${trueConditions}/${gates.length}`;
}

export const podPrinter = printer(
  [
    nameColumn,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of container restarts in this pod and when the last one happened.'),
    ageColumn,
    col('IP', 'string', 'IP address allocated to the pod.', 1),
    col('Node', 'string', 'Node the pod is scheduled to.', 1),
    col('Nominated Node', 'string', 'Node on which the pod may be scheduled once preemption completes.', 1),
    col('Readiness Gates', 'string', 'Readiness gates whose conditions are true, out of all.', 1),
  ],
  (pod, now) => {
    const s = podSummary(pod, now);
    const podIP = str(pod.status?.podIP) || str(arr(pod.status?.podIPs)[0]?.ip);
    return [
      nameOf(pod),
      s.ready,
      s.status,
      s.restarts,
      ageOf(pod, now),
      orNone(podIP),
      orNone(str(pod.spec?.nodeName)),
      orNone(str(pod.status?.nominatedNodeName)),
      podReadinessGates(pod),
    ];
  },
);

export const podTemplatePrinter = printer(
  [
    nameColumn,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (o) => {
    const [names, images] = containerCells(o.template?.spec);
    return [nameOf(o), names, images, formatLabels(o.template?.metadata?.labels)];
  },
);

/** The EXTERNAL-IP cell of a Service (getServiceExternalIP, wide). */
function serviceExternalIP(svc: KObject): string {
  const spec = obj(svc.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerString(svc.status?.loadBalancer);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

/** "80/TCP,443:30443/TCP" (makePortString). */
function servicePorts(ports: unknown): string {
  return arr(ports)
    .map((p) => {
      const protocol = str(p?.protocol) || 'TCP';
      return int(p?.nodePort) > 0 ? `${int(p?.port)}:${int(p?.nodePort)}/${protocol}` : `${int(p?.port)}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter = printer(
  [
    nameColumn,
    col('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    col('Cluster-IP', 'string', 'IP address of the service inside the cluster.'),
    col('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    col('Port(s)', 'string', 'Ports the service exposes.'),
    ageColumn,
    col('Selector', 'string', 'Labels of the pods traffic is routed to.', 1),
  ],
  (svc, now) => {
    const spec = obj(svc.spec);
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP);
    return [
      nameOf(svc),
      str(spec.type ?? 'ClusterIP'),
      orNone(clusterIP),
      serviceExternalIP(svc),
      orNone(servicePorts(spec.ports)),
      ageOf(svc, now),
      formatLabels(spec.selector),
    ];
  },
);

/** "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..." (formatEndpoints, all ports). */
export function formatEndpoints(ep: KObject): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = arr(ss?.addresses);
    const ports = arr(ss?.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a?.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a?.ip), int(port?.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter = printer(
  [nameColumn, col('Endpoints', 'string', 'Addresses and ports of the endpoints.'), ageColumn],
  (o, now) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
);

export const configMapPrinter = printer(
  [nameColumn, col('Data', 'string', 'Number of data and binaryData entries.'), ageColumn],
  (o, now) => [nameOf(o), Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, ageOf(o, now)],
);

export const secretPrinter = printer(
  [
    nameColumn,
    col('Type', 'string', 'Type of the secret, used to handle its data programmatically.'),
    col('Data', 'string', 'Number of data entries.'),
    ageColumn,
  ],
  (o, now) => {
    const keys = new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))]);
    return [nameOf(o), str(o.type) || 'Opaque', keys.size, ageOf(o, now)];
  },
);

export const serviceAccountPrinter = printer(
  [nameColumn, col('Secrets', 'string', 'Number of secrets listed for the service account.'), ageColumn],
  (o, now) => [nameOf(o), arr(o.secrets).length, ageOf(o, now)],
);

export const namespacePrinter = printer(
  [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn],
  (o, now) => [nameOf(o), str(o.status?.phase), ageOf(o, now)],
);

/** Roles from node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted. */
function nodeRoles(node: KObject): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(obj(node.metadata?.labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.push(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.push(str(v));
    }
  }
  return orNone(sortedSet(roles).join(','));
}

function nodeStatus(node: KObject): string {
  // The last Ready condition wins, as in the printer's condition map.
  let ready: Record<string, any> | undefined;
  for (const c of arr(node.status?.conditions)) if (c?.type === 'Ready') ready = c;
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (node: KObject, type: string): string =>
  str(arr(node.status?.addresses).find((a) => a?.type === type)?.address) || '<none>';

export const nodePrinter = printer(
  [
    nameColumn,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn,
    col('Version', 'string', 'Kubelet version reported by the node.'),
    col('Internal-IP', 'string', 'First internal IP address of the node.', 1),
    col('External-IP', 'string', 'First external IP address of the node.', 1),
    col('OS-Image', 'string', 'Operating system image reported by the node.', 1),
    col('Kernel-Version', 'string', 'Kernel version reported by the node.', 1),
    col('Container-Runtime', 'string', 'Container runtime version reported by the node.', 1),
  ],
  (node, now) => {
    const info = obj(node.status?.nodeInfo);
    return [
      nameOf(node),
      nodeStatus(node),
      nodeRoles(node),
      ageOf(node, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
);

/** "component, host", falling back to reportingComponent and reportingInstance. */
function eventSource(ev: KObject): string {
  const component = str(ev.source?.component) || str(ev.reportingComponent);
  const instance = str(ev.source?.host) || str(ev.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

/** core/v1 Events (events.k8s.io/v1 Events are stored as these). */
export const eventPrinter = printer(
  [
    col('Last Seen', 'string', 'Time since the event was last observed.'),
    col('Type', 'string', 'Type of the event: Normal or Warning.'),
    col('Reason', 'string', 'Short, machine-readable reason for the event.'),
    col('Object', 'string', 'The object the event is about.'),
    col('Subobject', 'string', 'Part of the object the event is about (field path).', 1),
    col('Source', 'string', 'Component (and host) that reported the event.', 1),
    col('Message', 'string', 'Human-readable description of the event.'),
    col('First Seen', 'string', 'Time since the event was first observed.', 1),
    col('Count', 'string', 'Number of times the event occurred.', 1),
    { ...nameColumn, priority: 1 },
  ],
  (ev, now) => {
    let firstSeen = age(ev.firstTimestamp, now);
    if (timestampMs(ev.firstTimestamp) === undefined) firstSeen = age(ev.eventTime, now);
    let lastSeen = age(ev.lastTimestamp, now);
    if (timestampMs(ev.lastTimestamp) === undefined) lastSeen = firstSeen;
    let count = int(ev.count);
    if (isPlainObject(ev.series)) {
      lastSeen = age(ev.series.lastObservedTime, now);
      count = int(ev.series.count);
    } else if (count === 0) {
      count = 1; // singleton events of the new API carry no count
    }
    const involved = obj(ev.involvedObject);
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
    return [
      lastSeen,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      eventSource(ev),
      str(ev.message).trim(),
      firstSeen,
      count,
      nameOf(ev),
    ];
  },
);

// ---------------------------------------------------------------------------------------------
// apps/v1
// ---------------------------------------------------------------------------------------------

/** spec.replicas, which Kubernetes defaults to 1. */
const desiredReplicas = (o: KObject): number => (typeof o.spec?.replicas === 'number' ? int(o.spec.replicas) : 1);

export const deploymentPrinter = printer(
  [
    nameColumn,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Number of pods running the desired template.'),
    col('Available', 'string', 'Number of pods available to serve.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('pods of the deployment'),
  ],
  (o, now) => {
    const st = obj(o.status);
    const [names, images] = containerCells(templateSpec(o));
    const selector = labelSelectorString(o.spec?.selector);
    return [
      nameOf(o),
      `${int(st.readyReplicas)}/${desiredReplicas(o)}`,
      int(st.updatedReplicas),
      int(st.availableReplicas),
      ageOf(o, now),
      names,
      images,
      selector === undefined ? '<invalid>' : selector,
    ];
  },
);

export const replicaSetPrinter = printer(
  [
    nameColumn,
    col('Desired', 'integer', 'Number of desired pods.'),
    col('Current', 'integer', 'Number of pods the replica set has created.'),
    col('Ready', 'integer', 'Number of ready pods.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('pods of the replica set'),
  ],
  (o, now) => {
    const st = obj(o.status);
    const [names, images] = containerCells(templateSpec(o));
    return [
      nameOf(o),
      desiredReplicas(o),
      int(st.replicas),
      int(st.readyReplicas),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(o.spec?.selector),
    ];
  },
);

export const daemonSetPrinter = printer(
  [
    nameColumn,
    col('Desired', 'integer', 'Number of nodes that should run the daemon pod.'),
    col('Current', 'integer', 'Number of nodes running at least one daemon pod.'),
    col('Ready', 'integer', 'Number of nodes with a ready daemon pod.'),
    col('Up-to-date', 'integer', 'Number of nodes running the updated daemon pod.'),
    col('Available', 'integer', 'Number of nodes with an available daemon pod.'),
    col('Node Selector', 'string', 'Labels a node must carry to run the daemon pod.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('pods of the daemon set'),
  ],
  (o, now) => {
    const st = obj(o.status);
    const [names, images] = containerCells(templateSpec(o));
    return [
      nameOf(o),
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(obj(templateSpec(o)).nodeSelector),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(o.spec?.selector),
    ];
  },
);

export const statefulSetPrinter = printer(
  [nameColumn, col('Ready', 'string', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn],
  (o, now) => {
    const [names, images] = containerCells(templateSpec(o));
    return [nameOf(o), `${int(o.status?.readyReplicas)}/${desiredReplicas(o)}`, ageOf(o, now), names, images];
  },
);

/** "statefulset.apps/web" for the controlling owner, or "<none>". */
function controllerName(o: KObject): string {
  const ref = arr(o.metadata?.ownerReferences).find((r) => r?.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const parts = apiVersion.split('/');
  if (parts.length > 2) throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
  const group = parts.length === 2 ? parts[0] : '';
  const kind = str(ref.kind);
  if (group === '' && kind === '') return str(ref.name);
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(ref.name)}`;
}

export const controllerRevisionPrinter = printer(
  [
    nameColumn,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision number of the state the object holds.'),
    ageColumn,
  ],
  (o, now) => [nameOf(o), controllerName(o), int(o.revision), ageOf(o, now)],
);

// ---------------------------------------------------------------------------------------------
// batch/v1
// ---------------------------------------------------------------------------------------------

function jobCompletions(job: KObject): string {
  const spec = obj(job.spec);
  const succeeded = int(job.status?.succeeded);
  // Kubernetes defaults both completions and parallelism to 1 when neither is set.
  const completions = typeof spec.completions === 'number' ? spec.completions : spec.parallelism == null ? 1 : undefined;
  if (completions !== undefined) return `${succeeded}/${int(completions)}`;
  const parallelism = typeof spec.parallelism === 'number' ? int(spec.parallelism) : 1;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: KObject, now: number): string {
  const start = timestampMs(job.status?.startTime);
  if (start === undefined) return '';
  const completion = timestampMs(job.status?.completionTime);
  return humanDuration((completion ?? now) - start);
}

function jobStatus(job: KObject): string {
  const conds = job.status?.conditions;
  if (conditionTrue(conds, 'Complete')) return 'Complete';
  if (conditionTrue(conds, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (conditionTrue(conds, 'Suspended')) return 'Suspended';
  if (conditionTrue(conds, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobPrinter = printer(
  [
    nameColumn,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'Succeeded pods out of the completions wanted.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('pods of the job'),
  ],
  (o, now) => {
    const [names, images] = containerCells(templateSpec(o));
    return [
      nameOf(o),
      jobStatus(o),
      jobCompletions(o),
      jobDuration(o, now),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(o.spec?.selector),
    ];
  },
);

export const cronJobPrinter = printer(
  [
    nameColumn,
    col('Schedule', 'string', 'Cron schedule of the job.'),
    col('Timezone', 'string', 'Time zone the schedule is read in.'),
    col('Suspend', 'boolean', 'Whether later runs are suspended.'),
    col('Active', 'integer', 'Number of running jobs.'),
    col('Last Schedule', 'string', 'Time since the job was last scheduled.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('pods of the jobs'),
  ],
  (o, now) => {
    const spec = obj(o.spec);
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    const [names, images] = containerCells(obj(jobSpec.template).spec);
    const suspend = spec.suspend ?? false; // defaulted to false
    const last = o.status?.lastScheduleTime;
    return [
      nameOf(o),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
      arr(o.status?.active).length,
      last === undefined || last === null ? '<none>' : age(last, now),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
);

// ---------------------------------------------------------------------------------------------
// networking.k8s.io/v1, discovery.k8s.io/v1, coordination.k8s.io/v1, policy/v1
// ---------------------------------------------------------------------------------------------

/** Up to three rule hosts, "*" when none is set (formatHosts). */
function ingressHosts(rules: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  const rs = arr(rules);
  for (const rule of rs) {
    if (list.length === max) more = true;
    if (!more && str(rule?.host) !== '') list.push(str(rule.host));
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${rs.length - max} more...` : ret;
}

export const ingressPrinter = printer(
  [
    nameColumn,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o.spec);
    return [
      nameOf(o),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      ingressHosts(spec.rules),
      loadBalancerString(o.status?.loadBalancer),
      arr(spec.tls).length !== 0 ? '80, 443' : '80',
      ageOf(o, now),
    ];
  },
);

export const ingressClassPrinter = printer(
  [
    nameColumn,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn,
  ],
  (o, now) => {
    const p = o.spec?.parameters;
    let parameters = '<none>';
    if (isPlainObject(p)) {
      parameters = str(p.kind);
      if (typeof p.apiGroup === 'string') parameters += `.${p.apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [nameOf(o), str(o.spec?.controller), parameters, ageOf(o, now)];
  },
);

export const networkPolicyPrinter = printer(
  [nameColumn, col('Pod-Selector', 'string', 'Pods the policy applies to.'), ageColumn],
  (o, now) => [nameOf(o), formatLabelSelector(o.spec?.podSelector ?? {}), ageOf(o, now)],
);

function endpointSlicePorts(ports: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const p of arr(ports)) {
    if (list.length < max) {
      list.push(typeof p?.port === 'number' ? String(int(p.port)) : typeof p?.name === 'string' ? p.name : '*');
    } else if (list.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMore(list, more, count, max);
}

function endpointSliceEndpoints(endpoints: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const e of arr(endpoints)) {
    for (const address of arr(e?.addresses)) {
      if (list.length < max) list.push(str(address));
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointSlicePrinter = printer(
  [
    nameColumn,
    col('AddressType', 'string', 'Type of the addresses: IPv4, IPv6 or FQDN.'),
    col('Ports', 'string', 'Ports exposed by the endpoints.'),
    col('Endpoints', 'string', 'Addresses of the endpoints.'),
    ageColumn,
  ],
  (o, now) => [nameOf(o), str(o.addressType), endpointSlicePorts(o.ports), endpointSliceEndpoints(o.endpoints), ageOf(o, now)],
);

export const leasePrinter = printer(
  [nameColumn, col('Holder', 'string', 'Identity of the current holder of the lease.'), ageColumn],
  (o, now) => [nameOf(o), str(o.spec?.holderIdentity), ageOf(o, now)],
);

export const podDisruptionBudgetPrinter = printer(
  [
    nameColumn,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o.spec);
    const has = (v: unknown): boolean => v !== undefined && v !== null;
    return [
      nameOf(o),
      has(spec.minAvailable) ? intOrString(spec.minAvailable) : 'N/A',
      has(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : 'N/A',
      int(o.status?.disruptionsAllowed),
      ageOf(o, now),
    ];
  },
);

// ---------------------------------------------------------------------------------------------
// rbac.authorization.k8s.io/v1, apiextensions.k8s.io/v1
// ---------------------------------------------------------------------------------------------

export const rolePrinter = createdAtPrinter();
export const clusterRolePrinter = createdAtPrinter();
export const customResourceDefinitionPrinter = createdAtPrinter();

/** Users, groups and "namespace/name" service accounts of a binding (rbac.SubjectsStrings). */
function subjectCells(subjects: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(subjects)) {
    if (s?.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
    else if (s?.kind === 'User') users.push(str(s.name));
    else if (s?.kind === 'Group') groups.push(str(s.name));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: string): TablePrinter {
  return printer(
    [
      nameColumn,
      col('Role', 'string', 'The role the binding grants, as Kind/name.'),
      ageColumn,
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    (o, now) => [nameOf(o), `${str(o.roleRef?.kind)}/${str(o.roleRef?.name)}`, ageOf(o, now), ...subjectCells(o.subjects)],
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
