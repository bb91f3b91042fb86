/**
 * What every REST operation needs: the server's stores and registry (Api) and the caller's
 * request options (RestContext). Internal controllers build a RestContext for a system user.
 */
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
}

export interface Api {
  store: ObjectStore;
  registry: Registry;
  lookup: ObjectLookup;
}

export const SYSTEM_USER: UserInfo = { username: 'system:kubefed-apiserver', groups: ['system:masters', 'system:authenticated'] };

export function systemContext(fieldManager: string): RestContext {
  return { user: SYSTEM_USER, now: new Date(), dryRun: false, fieldManager, fieldValidation: 'Ignore', warnings: [] };
}

export function strategyContext(api: Api, ctx: RestContext): StrategyContext {
  return { user: ctx.user, now: ctx.now, lookup: api.lookup, dryRun: ctx.dryRun };
}

export const groupResource = (type: ResourceType) => ({ group: type.group, resource: type.resource });
