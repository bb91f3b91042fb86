/**
 * Validation of CustomResourceDefinitions (apiextensions.k8s.io/v1), covering what users hit:
 * naming rules, versions, structural schemas, printer columns and scale paths.
 */
import type { KObject } from '../object.js';
import type { JSONSchema } from '../schema/types.js';
import { duplicate, FieldPath, forbidden, invalid, notSupported, required, type FieldError } from './field.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

export function validateCustomResourceDefinition(crd: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? {};
  const sp = FieldPath.root('spec');
  const names = spec.names ?? {};
  const group: string = spec.group ?? '';
  if (!group) errs.push(required(sp.child('group')));
  else if (!DNS_SUBDOMAIN.test(group) || !group.includes('.')) {
    errs.push(invalid(sp.child('group'), group, 'should be a domain with at least one dot'));
  }
  const np = sp.child('names');
  if (!names.plural) errs.push(required(np.child('plural')));
  else if (!DNS_LABEL.test(names.plural)) errs.push(invalid(np.child('plural'), names.plural, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character'));
  if (names.singular && !DNS_LABEL.test(names.singular)) errs.push(invalid(np.child('singular'), names.singular, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\''));
  if (!names.kind) errs.push(required(np.child('kind'), 'must be a valid kind'));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) errs.push(invalid(np.child('kind'), names.kind, 'may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$'));
  if (names.listKind && names.listKind === names.kind) errs.push(invalid(np.child('listKind'), names.listKind, 'kind and listKind may not be the same'));
  (names.shortNames ?? []).forEach((s: string, i: number) => {
    if (!DNS_LABEL.test(s)) errs.push(invalid(np.child('shortNames').index(i), s, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\''));
  });
  const expectedName = `${names.plural}.${group}`;
  if (names.plural && group && crd.metadata?.name !== expectedName) {
    errs.push(invalid('metadata.name', crd.metadata?.name, `must be spec.names.plural+"."+spec.group`));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push(notSupported(sp.child('scope'), spec.scope, ['Cluster', 'Namespaced']));

  const versions: KObject[] = spec.versions ?? [];
  const vp = sp.child('versions');
  if (versions.length === 0) errs.push(invalid(vp, versions, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  let storage = 0;
  let served = 0;
  versions.forEach((v, i) => {
    const p = vp.index(i);
    if (!v.name) errs.push(required(p.child('name')));
    else if (!DNS_LABEL.test(v.name)) errs.push(invalid(p.child('name'), v.name, 'a DNS-1035 label must consist of lower case alphanumeric characters or \'-\''));
    else if (seen.has(v.name)) errs.push(duplicate(p.child('name'), v.name));
    seen.add(v.name);
    if (v.storage) storage++;
    if (v.served) served++;
    const schema: JSONSchema | undefined = v.schema?.openAPIV3Schema;
    if (!schema) errs.push(required(p.child('schema', 'openAPIV3Schema'), 'schemas are required'));
    else errs.push(...validateStructural(schema, p.child('schema', 'openAPIV3Schema'), true));
    (v.additionalPrinterColumns ?? []).forEach((c: KObject, j: number) => {
      const cp = p.child('additionalPrinterColumns').index(j);
      if (!c.name) errs.push(required(cp.child('name')));
      if (!c.jsonPath) errs.push(required(cp.child('jsonPath')));
      else if (!String(c.jsonPath).startsWith('.')) errs.push(invalid(cp.child('jsonPath'), c.jsonPath, 'must be a simple json path starting with .'));
      if (!COLUMN_TYPES.includes(c.type)) errs.push(notSupported(cp.child('type'), c.type, COLUMN_TYPES));
    });
    const scale = v.subresources?.scale;
    if (scale) {
      const sc = p.child('subresources', 'scale');
      if (!String(scale.specReplicasPath ?? '').startsWith('.spec.')) errs.push(invalid(sc.child('specReplicasPath'), scale.specReplicasPath, 'should be a json path under .spec'));
      if (!String(scale.statusReplicasPath ?? '').startsWith('.status.')) errs.push(invalid(sc.child('statusReplicasPath'), scale.statusReplicasPath, 'should be a json path under .status'));
      if (scale.labelSelectorPath && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
        errs.push(invalid(sc.child('labelSelectorPath'), scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
      }
    }
  });
  if (versions.length && storage !== 1) errs.push(invalid(vp, versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  if (versions.length && served === 0) errs.push(invalid(vp, versions.map((v) => v.name), 'must have at least one version marked as served'));
  if (spec.conversion?.strategy === 'Webhook') errs.push(forbidden(sp.child('conversion', 'strategy'), 'conversion webhooks are not supported by this server; use None'));
  return errs;
}

export function validateCustomResourceDefinitionUpdate(crd: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (crd.spec?.scope !== old.spec?.scope) errs.push(invalid('spec.scope', crd.spec?.scope, 'field is immutable'));
  if (crd.spec?.group !== old.spec?.group) errs.push(invalid('spec.group', crd.spec?.group, 'field is immutable'));
  if (crd.spec?.names?.plural !== old.spec?.names?.plural) errs.push(invalid('spec.names.plural', crd.spec?.names?.plural, 'field is immutable'));
  return errs;
}

/**
 * Structural schema rules: every node says its type (unless it preserves unknown fields or is
 * int-or-string), properties and items only on objects and arrays, no $ref.
 */
function validateStructural(s: JSONSchema, p: FieldPath, root: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (s.$ref) errs.push(forbidden(p.child('$ref'), '$ref is not allowed in structural schemas'));
  const untyped = !s.type && !s['x-kubernetes-preserve-unknown-fields'] && !s['x-kubernetes-int-or-string'];
  if (root && s.type !== 'object') errs.push(invalid(p.child('type'), s.type ?? '', 'must be object at the root'));
  else if (untyped && (s.properties || s.items || s.additionalProperties)) errs.push(required(p.child('type'), 'must not be empty for specified object fields'));
  if (s.properties && s.type && s.type !== 'object') errs.push(forbidden(p.child('properties'), 'must be empty when type is not object'));
  if (s.items && s.type && s.type !== 'array') errs.push(forbidden(p.child('items'), 'must be empty when type is not array'));
  if (s.type === 'array' && !s.items) errs.push(required(p.child('items'), 'must be specified'));
  if (s.properties && typeof s.additionalProperties === 'object') errs.push(forbidden(p.child('additionalProperties'), 'additionalProperties and properties are mutually exclusive'));
  if (s['x-kubernetes-list-type'] === 'map' && !(s['x-kubernetes-list-map-keys'] ?? []).length) {
    errs.push(required(p.child('x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (root && k === 'metadata' && v.properties && Object.keys(v.properties).some((x) => x !== 'name' && x !== 'generateName')) {
      errs.push(forbidden(p.child('properties').key('metadata'), 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
    errs.push(...validateStructural(v, p.child('properties').key(k), false));
  }
  if (s.items) errs.push(...validateStructural(s.items, p.child('items'), false));
  if (typeof s.additionalProperties === 'object') errs.push(...validateStructural(s.additionalProperties, p.child('additionalProperties'), false));
  return errs;
}
