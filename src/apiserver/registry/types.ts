/**
 * What the API server knows about a served resource: names (for discovery and kubectl's
 * RESTMapper), versions with schemas and conversions, the strategy hooks that give a kind
 * its semantics (generation, status, defaulting, validation), subresources, and printing.
 * Built-in resources are declared in registry/builtin/; CRDs produce the same structure.
 */
import type { KObject } from '../../apis/object.js';
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import type { FieldError } from '../../apis/validation/field.js';
import type { EscalationAuthorizer } from '../auth/escalation.js';
import type { UserInfo } from '../auth/types.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Read access to current objects, for hooks that need to look at other objects. */
export interface ObjectLookup {
  get(type: ResourceType, namespace: string, name: string): KObject | undefined;
  list(type: ResourceType, namespace?: string): KObject[];
  /** Resolves a built-in or custom type by group and plural resource. */
  type(group: string, resource: string): ResourceType | undefined;
}

export interface StrategyContext {
  user: UserInfo;
  now: Date;
  lookup: ObjectLookup;
  dryRun: boolean;
  /** The server's authorizer, for checks beyond the request's own verb (RBAC escalation); absent without RBAC. */
  authorizer?: EscalationAuthorizer;
}

export interface ResourceStrategy {
  /**
   * How metadata.generation follows changes: `spec` (built-in workloads), `spec-and-annotations`
   * (Deployments), `all-but-metadata` (custom resources: anything except metadata and status),
   * or `none` (kinds without a generation).
   */
  generation: 'spec' | 'spec-and-annotations' | 'all-but-metadata' | 'none';
  /** Status is changed only through the status subresource; main-resource writes keep it. */
  statusSubresource: boolean;
  /**
   * Status updates keep the stored metadata (Kubernetes' ResetObjectMetaForStatus), except that
   * kinds listed here take annotations from the request (Deployments: the deployment controller
   * records revisions through the status subresource).
   */
  statusUpdatesAnnotations?: boolean;
  /** Which rule metadata.name must follow. */
  nameRule: 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment' | 'none';
  /** Defaults that schemas cannot express (values depending on other fields). Runs after schema defaults. */
  defaults?(obj: KObject): void;
  /**
   * Refuses a write the requester may not make whatever its verb allows (RBAC escalation):
   * throws a StatusError. Runs before any other hook, on create (`old` undefined) and on update
   * of the main resource; `requestName` is the name in the request path (empty on a POST).
   */
  authorizeWrite?(obj: KObject, old: KObject | undefined, ctx: StrategyContext, requestName: string): void;
  /** Before validation on create (allocations, clearing status, setting server-owned fields). */
  prepareForCreate?(obj: KObject, ctx: StrategyContext): void | Promise<void>;
  /** Before validation on update of the main resource. */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): void | Promise<void>;
  validate?(obj: KObject, ctx: StrategyContext): FieldError[];
  validateUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  validateStatusUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  /**
   * Grace period for a delete request, or 0 to delete at once. Only kinds with graceful
   * deletion (pods) implement it.
   */
  gracePeriodSeconds?(obj: KObject, requested: number | undefined): number;
  /** Refuses deletion of objects that must stay (throws a StatusError). */
  checkDelete?(obj: KObject): void;
  /** Changes a delete request makes to an object it leaves in place (a namespace turns Terminating). */
  prepareForDelete?(obj: KObject, ctx: StrategyContext): void;
  /** True while something beyond metadata.finalizers holds a deleted object (a namespace's spec.finalizers). */
  isHeld?(obj: KObject): boolean;
  /** Clean-up after an object was removed from storage (release allocations). */
  afterDelete?(obj: KObject, ctx: StrategyContext): void;
}

export interface ServedVersion {
  name: string;
  served: boolean;
  /** Objects of this resource are stored in this version. */
  storage: boolean;
  /** Root schema of the kind in this version. */
  schema: JSONSchema;
  deprecated?: boolean;
  deprecationWarning?: string;
  /** Converts an object of this version to the storage version (identity when absent). */
  toStorage?(obj: KObject): KObject;
  /** Converts a stored object to this version (identity when absent). */
  fromStorage?(obj: KObject): KObject;
  /** Table printing for this version (CRD printer columns differ per version). */
  table?: TablePrinter;
}

export interface ScaleSubresource {
  /** JSON paths as in CRDs' scale subresource, e.g. `.spec.replicas`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 = always shown; >0 = only with -o wide. */
  priority: number;
}

export interface TablePrinter {
  columns: TableColumn[];
  /** One row's cells, in column order. `now` is ms since epoch, for ages. */
  cells(obj: KObject, now: number): unknown[];
}

/** A request to a subresource that has behaviour of its own (pods/log, serviceaccounts/token, ...). */
export interface CustomSubresource {
  /** HTTP verbs in Kubernetes terms: get, create, update. */
  verbs: ('get' | 'create' | 'update' | 'patch')[];
  /** Kind of the object the subresource takes and returns, for discovery. */
  kind: string;
  group?: string;
  version?: string;
}

export interface ResourceType {
  group: string;
  /** Plural, lower-case resource name (URL segment). */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  versions: ServedVersion[];
  /** Key prefix in storage, shared by every group/version that serves the same objects. */
  storagePrefix: string;
  /** apiVersion objects are stored in. */
  storageApiVersion: string;
  strategy: ResourceStrategy;
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
    custom?: Record<string, CustomSubresource>;
  };
  /** Table printing shared by all versions (overridden per version by ServedVersion.table). */
  table?: TablePrinter;
  /** Field selectors beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Built-in kinds reject mistyped fields while decoding (400); CRDs in validation (422). */
  builtin: boolean;
  /** Schemas these versions refer to. */
  schemas: SchemaSet;
}
