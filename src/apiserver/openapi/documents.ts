/**
 * The OpenAPI documents: /openapi/v2 (one Swagger 2.0 document) and /openapi/v3 (an index
 * of per-group-version OpenAPI 3.0 documents, each addressed with a content hash so clients
 * can cache them). Rebuilt lazily after the set of resources changes.
 */
import { createHash } from 'node:crypto';
import { LayeredDefinitions } from '../../apis/schema/layered.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { pathItems } from './paths.js';
import { encodeOpenAPIv2 } from './v2-protobuf.js';
import { publishSchema, reachableDefinitions, type OpenAPIFlavor } from './publish-schema.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ALWAYS = [`${META}.Status`, `${META}.Patch`, `${META}.DeleteOptions`, `${META}.WatchEvent`];

export interface KindSchema {
  type: ResourceType;
  version: ServedVersion;
  /** Definition name of the kind in this version. */
  kindDef: string;
}

export class OpenAPIDocuments {
  private v2Doc: string | undefined;
  private v2Pb: Buffer | undefined;
  private v3Docs: Map<string, { json: string; hash: string }> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly serverVersion: string,
  ) {
    registry.onChange(() => {
      this.v2Doc = undefined;
      this.v2Pb = undefined;
      this.v3Docs = undefined;
    });
  }

  private kinds(): KindSchema[] {
    const out: KindSchema[] = [];
    for (const type of this.registry.all()) {
      for (const version of type.versions) {
        if (!version.served || !version.schema.$ref) continue;
        out.push({ type, version, kindDef: version.schema.$ref });
      }
    }
    return out;
  }

  /** All definitions the given kinds need, with the kinds' own list definitions. */
  private definitionsFor(kinds: KindSchema[], flavor: OpenAPIFlavor): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of kinds) {
      const defs = k.type.schemas.definitions;
      const names = reachableDefinitions([{ $ref: k.kindDef }, { $ref: `${k.kindDef}List` }, ...ALWAYS.map(($ref) => ({ $ref }))], defs);
      if (k.type.subresources.scale) names.add('io.k8s.api.autoscaling.v1.Scale');
      for (const n of reachableDefinitions([...names].map(($ref) => ({ $ref })), defs)) names.add(n);
      for (const n of names) {
        if (out[n]) continue;
        const d = defs.get(n);
        if (d) out[n] = publishSchema(d, flavor);
      }
    }
    return out;
  }

  v2(): string {
    if (this.v2Doc) return this.v2Doc;
    const kinds = this.kinds();
    const paths: Record<string, unknown> = {};
    for (const k of kinds) if (k.version.served) Object.assign(paths, pathItems(k.type, k.version, k.kindDef, 'v2'));
    this.v2Doc = JSON.stringify({
      swagger: '2.0',
      info: { title: 'Kubernetes', version: this.serverVersion },
      paths,
      definitions: this.definitionsFor(kinds, 'v2'),
      securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
      security: [{ BearerToken: [] }],
    });
    return this.v2Doc;
  }

  /** The v2 document in gnostic's protobuf encoding. */
  v2Protobuf(): Buffer {
    this.v2Pb ??= encodeOpenAPIv2(JSON.parse(this.v2()) as Record<string, unknown>);
    return this.v2Pb;
  }

  private buildV3(): Map<string, { json: string; hash: string }> {
    if (this.v3Docs) return this.v3Docs;
    const byGv = new Map<string, KindSchema[]>();
    for (const k of this.kinds()) {
      const key = k.type.group ? `apis/${k.type.group}/${k.version.name}` : `api/${k.version.name}`;
      let l = byGv.get(key);
      if (!l) byGv.set(key, (l = []));
      l.push(k);
    }
    const docs = new Map<string, { json: string; hash: string }>();
    for (const [key, kinds] of byGv) {
      const paths: Record<string, unknown> = {};
      for (const k of kinds) Object.assign(paths, pathItems(k.type, k.version, k.kindDef, 'v3'));
      const json = JSON.stringify({
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: this.serverVersion },
        paths,
        components: {
          schemas: this.definitionsFor(kinds, 'v3'),
          securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
        },
      });
      docs.set(key, { json, hash: createHash('sha512').update(json).digest('hex').slice(0, 128).toUpperCase() });
    }
    this.v3Docs = docs;
    return docs;
  }

  v3Index(): string {
    const docs = this.buildV3();
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, d] of [...docs].sort(([a], [b]) => (a < b ? -1 : 1))) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${d.hash}` };
    return JSON.stringify({ paths });
  }

  /** The document for `api/v1` or `apis/<group>/<version>`. */
  v3(key: string): { json: string; hash: string } | undefined {
    return this.buildV3().get(key);
  }
}

/** Definition name Kubernetes gives a CRD kind: reversed group, version, kind (com.example.stable.v1.CronTab). */
export function crdDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

export type { JSONSchema, LayeredDefinitions };
