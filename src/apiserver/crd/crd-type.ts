/**
 * A CustomResourceDefinition turned into a served resource type: each served version gets a
 * schema definition named as Kubernetes names it (com.example.v1.Widget) with apiVersion,
 * kind and metadata made explicit, printer columns, and apiVersion-only conversion between
 * versions (conversion strategy None).
 */
import { builtinDefinitions } from '../../apis/builtin-schemas.js';
import { deepClone, type KObject } from '../../apis/object.js';
import { LayeredDefinitions } from '../../apis/schema/layered.js';
import { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { crdDefinitionName } from '../openapi/documents.js';
import { defaultCrdPrinter, printerFromColumns } from '../printers/crd-columns.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { ALL_VERBS } from '../registry/types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

function kindSchema(schema: JSONSchema, gvk: { group: string; version: string; kind: string }): JSONSchema {
  const s = deepClone(schema);
  const props = { ...(s.properties ?? {}) };
  props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
  props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
  props.metadata = { $ref: OBJECT_META, description: "Standard object's metadata." };
  return { ...s, type: 'object', properties: props, 'x-kubernetes-group-version-kind': [gvk] };
}

function listSchema(itemDef: string, gvk: { group: string; version: string; kind: string }): JSONSchema {
  return {
    type: 'object',
    description: `${gvk.kind} is a list of ${itemDef.split('.').pop()}`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items: { $ref: itemDef } },
      kind: { type: 'string' },
      metadata: { $ref: LIST_META },
    },
    'x-kubernetes-group-version-kind': [gvk],
  };
}

export function crdToResourceType(crd: KObject): ResourceType {
  const spec = crd.spec;
  const group: string = spec.group;
  const names = spec.names;
  const kind: string = names.kind;
  const listKind: string = names.listKind ?? `${kind}List`;
  const defs = new LayeredDefinitions(builtinDefinitions);
  const storageVersion: string = spec.versions.find((v: KObject) => v.storage)?.name ?? spec.versions[0].name;
  const storageApiVersion = `${group}/${storageVersion}`;
  const versions: ServedVersion[] = spec.versions.map((v: KObject) => {
    const def = crdDefinitionName(group, v.name, kind);
    defs.set(def, kindSchema(v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, { group, version: v.name, kind }));
    defs.set(`${def}List`, listSchema(def, { group, version: v.name, kind: listKind }));
    const apiVersion = `${group}/${v.name}`;
    const converts = v.name !== storageVersion;
    const sv: ServedVersion = {
      name: v.name,
      served: !!v.served,
      storage: !!v.storage,
      schema: { $ref: def },
      table: v.additionalPrinterColumns?.length ? printerFromColumns(v.additionalPrinterColumns) : defaultCrdPrinter,
      ...(v.deprecated ? { deprecated: true, deprecationWarning: v.deprecationWarning ?? `${apiVersion} ${kind} is deprecated` } : {}),
      ...(converts
        ? {
            toStorage: (o: KObject) => ({ ...o, apiVersion: storageApiVersion }),
            fromStorage: (o: KObject) => ({ ...o, apiVersion }),
          }
        : {}),
    };
    return sv;
  });
  const storageSpec = spec.versions.find((v: KObject) => v.name === storageVersion) ?? spec.versions[0];
  const sub = storageSpec.subresources ?? {};
  return {
    group,
    resource: names.plural,
    kind,
    listKind,
    singular: names.singular ?? kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    versions,
    storagePrefix: `/registry/${group}/${names.plural}/`,
    storageApiVersion,
    strategy: { generation: 'all-but-metadata', statusSubresource: !!sub.status, nameRule: 'dns1123-subdomain' },
    subresources: {
      ...(sub.status ? { status: true } : {}),
      ...(sub.scale
        ? {
            scale: {
              specReplicasPath: sub.scale.specReplicasPath,
              statusReplicasPath: sub.scale.statusReplicasPath,
              ...(sub.scale.labelSelectorPath ? { labelSelectorPath: sub.scale.labelSelectorPath } : {}),
            },
          }
        : {}),
    },
    builtin: false,
    schemas: new SchemaSet(defs),
  };
}
