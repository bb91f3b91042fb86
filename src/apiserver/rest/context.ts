/**
 * What every REST operation needs: the server's stores and registry (Api) and the caller's
 * request options (RestContext). Internal controllers build a RestContext for a system user.
 */
import type { KObject } from '../../apis/object.js';
import type { FieldError } from '../../apis/validation/field.js';
import type { EscalationAuthorizer } from '../auth/escalation.js';
import type { UserInfo } from '../auth/types.js';
import type { Registry } from '../registry/registry.js';
import type { ObjectLookup, ResourceType, StrategyContext } from '../registry/types.js';
import type { ObjectStore } from '../../storage/object-store.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RestContext {
  user: UserInfo;
  now: Date;
  dryRun: boolean;
  /** Name recorded in managedFields for this request's changes. */
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** Warnings for the response's Warning headers. */
  warnings: string[];
  /** A write kube-apiserver makes without admission webhooks (an eviction's delete of its pod). */
  withoutWebhooks?: boolean;
}

export interface Api {
  store: ObjectStore;
  registry: Registry;
  lookup: ObjectLookup;
  /** Validation plug-ins run after a kind's own validation (like validating admission webhooks). */
  admission?: AdmissionPlugin[];
  /** The server's RBAC authorizer, for the writes it restricts beyond their verb (escalation checks). */
  authorizer?: EscalationAuthorizer;
}

/**
 * Extra validation for writes, run in-process by the embedding program (the federation checks
 * its own types this way). Errors become a 422 Invalid naming the fields.
 */
export interface AdmissionPlugin {
  /**
   * Changes an object about to be created, after defaulting and before validation (mutating
   * admission). What it sets belongs to no field manager, as with kube-apiserver's webhooks.
   */
  mutateCreate?(req: { type: ResourceType; obj: KObject }): void;
  validate(req: { type: ResourceType; obj: KObject; old?: KObject; operation: 'create' | 'update'; subresource?: string }): FieldError[];
}

export const SYSTEM_USER: UserInfo = { username: 'system:kubefed-apiserver', groups: ['system:masters', 'system:authenticated'] };

export function systemContext(fieldManager: string): RestContext {
  return { user: SYSTEM_USER, now: new Date(), dryRun: false, fieldManager, fieldValidation: 'Ignore', warnings: [] };
}

export function strategyContext(api: Api, ctx: RestContext): StrategyContext {
  return { user: ctx.user, now: ctx.now, lookup: api.lookup, dryRun: ctx.dryRun, ...(api.authorizer ? { authorizer: api.authorizer } : {}) };
}

export const groupResource = (type: ResourceType) => ({ group: type.group, resource: type.resource });
