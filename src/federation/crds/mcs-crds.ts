/**
 * The Multi-Cluster Services API (KEP-1645, group multicluster.x-k8s.io): ServiceExport and
 * ServiceImport as the kubernetes-sigs/mcs-api project defines them in release v0.5.0
 * (config/crd): v1alpha1 and v1beta1 served with the same schema, v1beta1 stored; the same
 * fields, enums, bounds, list types, short names and ServiceImport printer columns (TYPE, IP,
 * AGE). One addition: `kubectl get serviceexports` also shows the Valid and Conflict conditions
 * (upstream prints only AGE), and their reasons with `-o wide`.
 *
 * The federation installs these CRDs in itself and in every joined member (src/federation/mcs/).
 */
import type { KObject } from '../../apis/object.js';
import { arrayOf, crd, int, object, str, type Props } from './builder.js';

export const MCS_GROUP = 'multicluster.x-k8s.io';
/** The version the federation's controllers use: the one every release of the CRDs serves. */
export const MCS_API_VERSION = `${MCS_GROUP}/v1alpha1`;
export const MCS_VERSIONS = ['v1alpha1', 'v1beta1'] as const;
/** The mcs-api release whose CRDs these follow. */
export const MCS_API_RELEASE = 'v0.5.0';
export const SERVICE_EXPORT_CRD = `serviceexports.${MCS_GROUP}`;
export const SERVICE_IMPORT_CRD = `serviceimports.${MCS_GROUP}`;

const stringMap = (description: string) => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const int32 = (description: string, extra: Props = {}) => int(description, { format: 'int32', ...extra });
const mapBy = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });

/** metav1.Condition. */
const conditions = arrayOf(
  object(
    {
      lastTransitionTime: str('lastTransitionTime is the last time the condition transitioned from one status to another.', { format: 'date-time' }),
      message: str('message is a human readable message indicating details about the transition.', { maxLength: 32768 }),
      observedGeneration: int('observedGeneration represents the .metadata.generation that the condition was set based upon.', { minimum: 0 }),
      reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition.", { maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
      status: str('status of the condition, one of True, False, Unknown.', { enum: ['True', 'False', 'Unknown'] }),
      type: str('type of condition in CamelCase or in foo.example.com/CamelCase.', { maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
    },
    'Condition contains details for one aspect of the current state of this API Resource.',
    { required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'] },
  ),
  undefined,
  mapBy('type'),
);

const servicePort = object(
  {
    appProtocol: str('The application protocol for this port (a hint for implementations; standard Kubernetes label syntax).'),
    name: str('The name of this port within the service. This must be a DNS_LABEL. Optional if only one ServicePort is defined on this service.'),
    port: int32('The port that will be exposed by this service.'),
    protocol: str('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.'),
  },
  'ServicePort represents the port on which the service is exposed',
  { required: ['port'] },
);

const conditionColumn = (type: string, field: 'status' | 'reason', priority = 0) => ({
  name: field === 'status' ? type : `${type} Reason`,
  type: 'string',
  description: field === 'status' ? `Status of the ${type} condition` : `Reason of the ${type} condition`,
  jsonPath: `.status.conditions[?(@.type=="${type}")].${field}`,
  ...(priority ? { priority } : {}),
});

/** The upstream labels; served versions with the same schema, v1beta1 stored. */
function mcsCrd(spec: Parameters<typeof crd>[0]): KObject {
  const c = crd(spec);
  c.metadata!.labels = { ...c.metadata!.labels, 'multicluster.x-k8s.io/release-version': MCS_API_RELEASE, 'multicluster.x-k8s.io/crd-schema-revision': '0' };
  delete c.spec.names.categories;
  const v = c.spec.versions[0];
  c.spec.versions = MCS_VERSIONS.map((name) => ({ ...v, name, storage: name === 'v1beta1' }));
  return c;
}

export const serviceExportCrd = mcsCrd({
  group: MCS_GROUP,
  version: 'v1beta1',
  kind: 'ServiceExport',
  plural: 'serviceexports',
  namespaced: true,
  shortNames: ['svcex', 'svcexport'],
  description: 'ServiceExport declares that the Service with the same name and namespace as this export should be consumable from other clusters.',
  spec: object(
    {
      exportedAnnotations: stringMap('exportedAnnotations describes the annotations exported. It is optional for implementation.'),
      exportedLabels: stringMap('exportedLabels describes the labels exported. It is optional for implementation.'),
    },
    'spec defines the behavior of a ServiceExport.',
  ),
  status: object(
    { conditions },
    'status describes the current state of an exported service. Service configuration comes from the Service that had the same name and namespace as this ServiceExport. Populated by the multi-cluster service implementation\'s controller.',
  ),
  columns: [conditionColumn('Valid', 'status'), conditionColumn('Conflict', 'status'), { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }, conditionColumn('Valid', 'reason', 1), conditionColumn('Conflict', 'reason', 1)],
});

export const serviceImportCrd = mcsCrd({
  group: MCS_GROUP,
  version: 'v1beta1',
  kind: 'ServiceImport',
  plural: 'serviceimports',
  namespaced: true,
  shortNames: ['svcim', 'svcimport'],
  description: 'ServiceImport describes a service imported from clusters in a ClusterSet.',
  spec: object(
    {
      internalTrafficPolicy: str('InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP ("Cluster" or "Local").'),
      ipFamilies: arrayOf(str('IPFamily represents the IP Family (IPv4 or IPv6).'), 'IPFamilies identifies all the IPFamilies assigned for this ServiceImport.', { maxItems: 2 }),
      ips: arrayOf(str(), 'ip will be used as the VIP for this service when type is ClusterSetIP.', { maxItems: 2 }),
      ports: arrayOf(servicePort, undefined, { 'x-kubernetes-list-type': 'atomic' }),
      sessionAffinity: str('Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None. Ignored when type is Headless.'),
      sessionAffinityConfig: object(
        { clientIP: object({ timeoutSeconds: int32('timeoutSeconds specifies the seconds of ClientIP type session sticky time (0 < value <= 86400; default 10800).') }, 'clientIP contains the configurations of Client IP based session affinity.') },
        'sessionAffinityConfig contains session affinity configuration.',
      ),
      trafficDistribution: str('TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints ("PreferClose": same zone first).'),
      type: str('type defines the type of this service. Must be ClusterSetIP or Headless.', { enum: ['ClusterSetIP', 'Headless'] }),
    },
    'spec defines the behavior of a ServiceImport.',
    { required: ['ports', 'type'] },
  ),
  status: object(
    {
      clusters: arrayOf(
        object({ cluster: str('cluster is the name of the exporting cluster. Must be a valid RFC-1123 DNS label.') }, 'ClusterStatus contains service configuration mapped to a specific source cluster', { required: ['cluster'] }),
        'clusters is the list of exporting clusters from which this service was derived.',
        mapBy('cluster'),
      ),
      conditions,
    },
    'status contains information about the exported services that form the multi-cluster service referenced by this ServiceImport.',
  ),
  columns: [
    { name: 'Type', type: 'string', description: 'The type of this ServiceImport', jsonPath: '.spec.type' },
    { name: 'IP', type: 'string', description: 'The VIP for this ServiceImport', jsonPath: '.spec.ips' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const MCS_CRDS: KObject[] = [serviceExportCrd, serviceImportCrd];
