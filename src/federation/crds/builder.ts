/** A few helpers to write CustomResourceDefinition manifests compactly. */
import type { KObject } from '../../apis/object.js';

export type Props = Record<string, unknown>;

export const str = (description?: string, extra: Props = {}) => ({ type: 'string', ...(description ? { description } : {}), ...extra });
export const int = (description?: string, extra: Props = {}) => ({ type: 'integer', format: 'int64', ...(description ? { description } : {}), ...extra });
export const bool = (description?: string) => ({ type: 'boolean', ...(description ? { description } : {}) });
export const arrayOf = (items: Props, description?: string, extra: Props = {}) => ({ type: 'array', items, ...(description ? { description } : {}), ...extra });
export const object = (properties: Props, description?: string, extra: Props = {}) => ({ type: 'object', properties, ...(description ? { description } : {}), ...extra });
export const anyObject = (description?: string) => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...(description ? { description } : {}) });
export const anyValue = (description?: string) => ({ 'x-kubernetes-preserve-unknown-fields': true, ...(description ? { description } : {}) });

export const condition = object(
  {
    type: str('Type of the condition.'),
    status: str('True, False or Unknown.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
    lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
    lastUpdateTime: str('When the condition was last updated.', { format: 'date-time' }),
    lastProbeTime: str('When the condition was last probed.', { format: 'date-time' }),
  },
  'A condition of the object.',
  { required: ['type', 'status'] },
);

export const labelSelector = object(
  {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: arrayOf(
      object({ key: str(), operator: str(undefined, { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }), values: arrayOf(str()) }, undefined, { required: ['key', 'operator'] }),
    ),
  },
  'A label query over clusters: matchLabels and matchExpressions are ANDed; an empty selector selects all clusters.',
  { 'x-kubernetes-map-type': 'atomic' },
);

export interface CrdSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  spec?: Props;
  status?: Props;
  extraProperties?: Props;
  columns?: { name: string; type: string; jsonPath: string; priority?: number; description?: string }[];
  description: string;
}

export function crd(s: CrdSpec): KObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${s.plural}.${s.group}`, labels: { 'kubefed.io/crd': 'true' } },
    spec: {
      group: s.group,
      scope: s.namespaced ? 'Namespaced' : 'Cluster',
      names: {
        plural: s.plural,
        singular: s.singular ?? s.kind.toLowerCase(),
        kind: s.kind,
        listKind: `${s.kind}List`,
        ...(s.shortNames ? { shortNames: s.shortNames } : {}),
        categories: s.categories ?? ['kubefed-all'],
      },
      versions: [
        {
          name: s.version,
          served: true,
          storage: true,
          subresources: s.status ? { status: {} } : {},
          ...(s.columns ? { additionalPrinterColumns: s.columns } : {}),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: s.description,
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                ...(s.spec ? { spec: s.spec } : {}),
                ...(s.status ? { status: s.status } : {}),
                ...(s.extraProperties ?? {}),
              },
            },
          },
        },
      ],
    },
  };
}
