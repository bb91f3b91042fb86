/** networking.k8s.io, discovery.k8s.io, coordination.k8s.io, events.k8s.io, policy. */
import type { KObject } from '../../../apis/object.js';
import { defaultEndpointSlice } from '../../../apis/defaults/builtin.js';
import {
  validateEvent,
  validateEndpointSlice,
  validateIngress,
  validateIngressClass,
  validateIngressUpdate,
  validateLease,
} from '../../../apis/validation/service.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType } from '../types.js';
import { eventFieldSelectors } from './core.js';
import { defineBuiltin } from './define.js';
import { eventFromCore, eventToCore } from './event-conversion.js';

export function networkingResources(): ResourceType[] {
  return [
    defineBuiltin({
      group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', definition: 'io.k8s.api.networking.v1.Ingress',
      namespaced: true, shortNames: ['ing'], status: true,
      strategy: {
        generation: 'spec',
        prepareForCreate: (o: KObject) => {
          o.status = { loadBalancer: {} };
        },
        validate: (o) => validateIngress(o),
        validateUpdate: (o, old) => validateIngressUpdate(o, old),
      },
      table: printers.ingressPrinter,
    }),
    defineBuiltin({
      group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', kind: 'IngressClass', definition: 'io.k8s.api.networking.v1.IngressClass',
      namespaced: false, strategy: { generation: 'spec', validate: (o) => validateIngressClass(o) }, table: printers.ingressClassPrinter,
    }),
    defineBuiltin({
      group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', definition: 'io.k8s.api.networking.v1.NetworkPolicy',
      namespaced: true, shortNames: ['netpol'], strategy: { generation: 'spec' }, table: printers.networkPolicyPrinter,
    }),
    defineBuiltin({
      group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', definition: 'io.k8s.api.discovery.v1.EndpointSlice',
      namespaced: true, strategy: { generation: 'all-but-metadata', defaults: defaultEndpointSlice, validate: (o) => validateEndpointSlice(o) },
      table: printers.endpointSlicePrinter,
    }),
    defineBuiltin({
      group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', definition: 'io.k8s.api.coordination.v1.Lease',
      namespaced: true, strategy: { validate: (o) => validateLease(o) }, table: printers.leasePrinter,
    }),
    defineBuiltin({
      group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', definition: 'io.k8s.api.events.v1.Event',
      namespaced: true, shortNames: ['ev'],
      storage: { group: '', resource: 'events', apiVersion: 'v1' },
      toStorage: eventToCore,
      fromStorage: eventFromCore,
      strategy: { validate: (o) => validateEvent(o, { strict: true }) },
      table: printers.eventPrinter,
      fieldSelectors: eventFieldSelectors(),
    }),
    defineBuiltin({
      group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', definition: 'io.k8s.api.policy.v1.PodDisruptionBudget',
      namespaced: true, shortNames: ['pdb'], status: true, strategy: { generation: 'spec' }, table: printers.podDisruptionBudgetPrinter,
    }),
  ];
}
