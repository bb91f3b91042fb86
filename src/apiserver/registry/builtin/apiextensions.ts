/** apiextensions.k8s.io/v1 CustomResourceDefinitions. */
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from '../../../apis/validation/crd.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType } from '../types.js';
import { defineBuiltin } from './define.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export function apiextensionsResources(): ResourceType[] {
  return [
    defineBuiltin({
      group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition',
      definition: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
      namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], status: true,
      strategy: {
        generation: 'spec',
        prepareForCreate: (crd) => {
          crd.status = {
            conditions: [],
            acceptedNames: { plural: '', kind: '' },
            storedVersions: (crd.spec?.versions ?? []).filter((v: { storage?: boolean }) => v.storage).map((v: { name: string }) => v.name),
          };
          // Custom resources are removed before their definition goes away.
          const f = new Set(crd.metadata!.finalizers ?? []);
          f.add(CRD_CLEANUP_FINALIZER);
          crd.metadata!.finalizers = [...f];
        },
        prepareForUpdate: (crd, old) => {
          const stored = new Set<string>(old.status?.storedVersions ?? []);
          for (const v of crd.spec?.versions ?? []) if (v.storage) stored.add(v.name);
          crd.status = { ...(crd.status ?? {}), storedVersions: [...stored] };
        },
        validate: (o) => validateCustomResourceDefinition(o),
        validateUpdate: (o, old) => validateCustomResourceDefinitionUpdate(o, old),
      },
      table: printers.customResourceDefinitionPrinter,
    }),
  ];
}
