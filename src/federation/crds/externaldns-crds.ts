/**
 * ExternalDNS's DNSEndpoint (externaldns.k8s.io/v1alpha1), as the ExternalDNS project defines it
 * for its CRD source: the federation publishes its service records as DNSEndpoints so ExternalDNS
 * pushes them to Route 53, Cloud DNS and the rest (as k8gb does). Installed at the federation
 * unless an ExternalDNS installation already put its own definition there.
 */
import type { KObject } from '../../apis/object.js';
import { arrayOf, crd, int, object, str } from './builder.js';

export const EXTERNALDNS_API_VERSION = 'externaldns.k8s.io/v1alpha1';

export const dnsEndpointCrd: KObject = crd({
  group: 'externaldns.k8s.io',
  version: 'v1alpha1',
  kind: 'DNSEndpoint',
  plural: 'dnsendpoints',
  namespaced: true,
  categories: ['kubefed-all'],
  description: 'DNSEndpoint is a contract between ExternalDNS and its CRD source: the records it should publish.',
  spec: object(
    {
      endpoints: arrayOf(
        object({
          dnsName: str('The hostname of the DNS record.'),
          targets: arrayOf(str(), 'The targets the DNS record points to.'),
          recordType: str('RecordType type of record, e.g. CNAME, A, AAAA, SRV, TXT etc.'),
          setIdentifier: str('Identifier to distinguish multiple records with the same name and type (e.g. Route53 records with routing policies other than simple).'),
          recordTTL: int('TTL for the record.'),
          labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels stores labels defined for the Endpoint.' },
          providerSpecific: arrayOf(object({ name: str(), value: str() }), 'ProviderSpecific stores provider specific config.'),
        }),
      ),
    },
    'DNSEndpointSpec defines the desired state of DNSEndpoint.',
  ),
  status: object({ observedGeneration: int('The generation observed by the external-dns controller.') }, 'DNSEndpointStatus defines the observed state of DNSEndpoint.'),
});
