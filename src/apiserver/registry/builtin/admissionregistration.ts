/**
 * admissionregistration.k8s.io/v1: ValidatingWebhookConfiguration and
 * MutatingWebhookConfiguration, the dynamic admission webhooks this server calls on writes
 * (src/apiserver/admission). Cluster-scoped, in the api-extensions category, generation bumped
 * when the webhooks change, printed as NAME WEBHOOKS AGE.
 */
import type { KObject } from '../../../apis/object.js';
import { validateWebhookConfiguration, validateWebhookConfigurationUpdate, type ExpressionChecker } from '../../../apis/admissionregistration/validation.js';
import { age } from '../../printers/age.js';
import { nameColumn } from '../../printers/table.js';
import type { ResourceType, TablePrinter } from '../types.js';
import { defineBuiltin } from './define.js';

export const ADMISSION_GROUP = 'admissionregistration.k8s.io';

const webhookPrinter: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Webhooks', type: 'integer', format: '', description: 'Webhooks indicates the number of webhooks registered in this configuration', priority: 0 },
    { name: 'Age', type: 'string', format: '', description: 'Time elapsed since the object was created.', priority: 0 },
  ],
  cells: (o, now) => [o.metadata?.name ?? '', Array.isArray(o.webhooks) ? o.webhooks.length : 0, age(o.metadata?.creationTimestamp, now)],
};

function configuration(kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', checkExpression?: ExpressionChecker): ResourceType {
  const mutating = kind === 'MutatingWebhookConfiguration';
  // An update is validated with the relaxations upstream derives from the stored object; the
  // strategy's validate hook learns that it runs for an update from prepareForUpdate.
  const updating = new WeakMap<KObject, KObject>();
  return defineBuiltin({
    group: ADMISSION_GROUP,
    version: 'v1',
    resource: `${kind.toLowerCase()}s`,
    kind,
    definition: `io.k8s.api.admissionregistration.v1.${kind}`,
    namespaced: false,
    categories: ['api-extensions'],
    strategy: {
      generation: 'all-but-metadata',
      prepareForUpdate: (obj, old) => {
        updating.set(obj, old);
      },
      validate: (obj) => {
        const old = updating.get(obj);
        return old ? validateWebhookConfigurationUpdate(obj, old, mutating, checkExpression) : validateWebhookConfiguration(obj, mutating, checkExpression);
      },
    },
    table: webhookPrinter,
  });
}

export function admissionregistrationResources(opts: { checkExpression?: ExpressionChecker } = {}): ResourceType[] {
  return [configuration('MutatingWebhookConfiguration', opts.checkExpression), configuration('ValidatingWebhookConfiguration', opts.checkExpression)];
}
