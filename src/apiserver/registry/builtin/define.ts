/** Declaring a built-in resource in a few lines: names, schema definition, strategy, printing. */
import { builtinDefinitions } from '../../../apis/builtin-schemas.js';
import type { KObject } from '../../../apis/object.js';
import { SchemaSet } from '../../../apis/schema/resolve.js';
import type { CustomSubresource, ResourceStrategy, ResourceType, ScaleSubresource, TablePrinter, Verb } from '../types.js';
import { ALL_VERBS } from '../types.js';

export const builtinSchemas = new SchemaSet(builtinDefinitions);

export interface BuiltinSpec {
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** Schema definition name of the kind, e.g. io.k8s.api.apps.v1.Deployment. */
  definition: string;
  namespaced: boolean;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: Verb[];
  strategy?: Partial<ResourceStrategy>;
  status?: boolean;
  scale?: boolean | ScaleSubresource;
  custom?: Record<string, CustomSubresource>;
  table?: TablePrinter;
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Objects live with another group's resource (legacy group versions, events.k8s.io). */
  storage?: { group: string; resource: string; apiVersion: string };
  toStorage?: (o: KObject) => KObject;
  fromStorage?: (o: KObject) => KObject;
  deprecationWarning?: string;
}

export function defineBuiltin(spec: BuiltinSpec): ResourceType {
  const strategy: ResourceStrategy = {
    generation: 'none',
    statusSubresource: !!spec.status,
    nameRule: 'dns1123-subdomain',
    ...spec.strategy,
  };
  const own = !spec.storage;
  const storageGroup = spec.storage?.group ?? spec.group;
  const storageResource = spec.storage?.resource ?? spec.resource;
  const scale: ScaleSubresource | undefined =
    spec.scale === true ? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } : spec.scale || undefined;
  return {
    group: spec.group,
    resource: spec.resource,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.verbs ?? ALL_VERBS,
    versions: [
      {
        name: spec.version,
        served: true,
        storage: own,
        schema: { $ref: spec.definition },
        ...(spec.toStorage ? { toStorage: spec.toStorage } : {}),
        ...(spec.fromStorage ? { fromStorage: spec.fromStorage } : {}),
        ...(spec.deprecationWarning ? { deprecated: true, deprecationWarning: spec.deprecationWarning } : {}),
      },
    ],
    storagePrefix: `/registry/${storageGroup || 'core'}/${storageResource}/`,
    storageApiVersion: spec.storage?.apiVersion ?? (spec.group ? `${spec.group}/${spec.version}` : spec.version),
    strategy,
    subresources: {
      ...(spec.status ? { status: true } : {}),
      ...(scale ? { scale } : {}),
      ...(spec.custom ? { custom: spec.custom } : {}),
    },
    ...(spec.table ? { table: spec.table } : {}),
    ...(spec.fieldSelectors ? { fieldSelectors: spec.fieldSelectors } : {}),
    builtin: true,
    schemas: builtinSchemas,
  };
}

/** Kinds that are only ever created to ask a question (access reviews, token reviews). */
export const CREATE_ONLY: Verb[] = ['create'];
