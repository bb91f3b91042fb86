/**
 * The Gateway API (gateway.networking.k8s.io) as the federation serves it: GatewayClass,
 * Gateway and HTTPRoute at v1 (v1beta1 served too, same schema, as upstream serves it) and
 * ReferenceGrant at v1beta1. The schemas follow the upstream standard channel of release
 * v1.4.1 field for field (names, defaults, bounds, patterns, list types, status shapes and
 * printer columns), written with our CRD builder; the CEL rules the API server of a real
 * cluster evaluates are kept for the checks users meet most (our API server stores them; the
 * compiler, src/traffic/config/gateway.ts, checks what it relies on itself).
 *
 * The GatewayClass `kubefed-global` (controller `kubefed.io/global-edge`) is the class whose
 * Gateways the global edge serves.
 */
import type { KObject } from '../../apis/object.js';
import { GLOBAL_INGRESS_CLASS, GLOBAL_INGRESS_CONTROLLER } from '../../traffic/ingress-class.js';
import { arrayOf, crd, int, object, str, type Props } from './builder.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = `${GATEWAY_GROUP}/v1`;
export const REFERENCE_GRANT_API_VERSION = `${GATEWAY_GROUP}/v1beta1`;
/** The upstream release whose standard channel these CRDs follow. */
export const GATEWAY_API_BUNDLE_VERSION = 'v1.4.1';
/** The class whose Gateways get the global address, and its controller. */
export const GLOBAL_GATEWAY_CLASS = GLOBAL_INGRESS_CLASS;
export const GLOBAL_GATEWAY_CONTROLLER = GLOBAL_INGRESS_CONTROLLER;

// Patterns of the upstream types (Go regular expressions that JavaScript reads the same way).
const DNS_LABELS = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const SUBDOMAIN = `^${DNS_LABELS}$`;
const GROUP = `^$|^${DNS_LABELS}$`;
const KIND = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const NAMESPACE = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const HOSTNAME = `^(\\*\\.)?${DNS_LABELS}$`;
const CONTROLLER = `^${DNS_LABELS}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`;
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const PROTOCOL = `^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|${DNS_LABELS}\\/[A-Za-z0-9]+$`;
const ADDRESS_TYPE = `^Hostname|IPAddress|NamedAddress|${DNS_LABELS}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`;
const DURATION = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$';

const cel = (rule: string, message: string) => ({ rule, message });
const validations = (...rules: { rule: string; message: string }[]) => ({ 'x-kubernetes-validations': rules });
const atomic = { 'x-kubernetes-list-type': 'atomic' };
const mapBy = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });

const int32 = (description: string, extra: Props = {}) => int(description, { format: 'int32', ...extra });
const group = (description: string, dflt?: string) => str(description, { maxLength: 253, pattern: GROUP, ...(dflt !== undefined ? { default: dflt } : {}) });
const kind = (description: string, dflt?: string) => str(description, { maxLength: 63, minLength: 1, pattern: KIND, ...(dflt !== undefined ? { default: dflt } : {}) });
const objectName = (description: string) => str(description, { maxLength: 253, minLength: 1 });
const namespace = (description: string) => str(description, { maxLength: 63, minLength: 1, pattern: NAMESPACE });
const sectionName = (description: string) => str(description, { maxLength: 253, minLength: 1, pattern: SUBDOMAIN });
const portNumber = (description: string) => int32(description, { minimum: 1, maximum: 65535 });
const hostname = (description: string) => str(description, { maxLength: 253, minLength: 1, pattern: HOSTNAME });
const preciseHostname = (description: string) => str(description, { maxLength: 253, minLength: 1, pattern: SUBDOMAIN });
const controllerName = (description: string, extra: Props = {}) => str(description, { maxLength: 253, minLength: 1, pattern: CONTROLLER, ...extra });

/** metav1.Condition, as every Gateway API status holds them. */
const condition = object(
  {
    type: str('Type of the condition, in CamelCase or in foo.example.com/CamelCase.', { maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: int('The .metadata.generation the condition was set for.', { minimum: 0 }),
    lastTransitionTime: str('When the condition last changed from one status to another.', { format: 'date-time' }),
    reason: str('Programmatic identifier of the reason for the last transition, in CamelCase.', { maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
    message: str('Human readable details of the transition.', { maxLength: 32768 }),
  },
  'A condition (metav1.Condition).',
  { required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'] },
);

const pending = (...types: string[]) => types.map((type) => ({ lastTransitionTime: '1970-01-01T00:00:00Z', message: 'Waiting for controller', reason: 'Pending', status: 'Unknown', type }));
const conditions = (description: string, dflt?: unknown[], extra: Props = {}) => arrayOf(condition, description, { maxItems: 8, ...mapBy('type'), ...(dflt ? { default: dflt } : {}), ...extra });

const parametersRef = (withNamespace: boolean) =>
  object(
    {
      group: group('Group of the referent.'),
      kind: kind('Kind of the referent.'),
      name: objectName('Name of the referent.'),
      ...(withNamespace ? { namespace: namespace('Namespace of a namespaced referent.') } : {}),
    },
    'A resource holding implementation-specific parameters.',
    { required: ['group', 'kind', 'name'] },
  );

const routeGroupKind = object(
  {
    group: group('Group of the Route kind.', GATEWAY_GROUP),
    kind: kind('Kind of the Route.'),
  },
  'A Route kind.',
  { required: ['kind'] },
);

/** A Gateway address; `value` may be left empty (the implementation assigns it). */
const gatewayAddress = (description: string, valueRequired: boolean) =>
  object(
    {
      type: str('IPAddress (default), Hostname, NamedAddress or a domain-prefixed type.', { default: 'IPAddress', maxLength: 253, minLength: 1, pattern: ADDRESS_TYPE }),
      value: str('The address: an IP address for IPAddress, a host name for Hostname.', { maxLength: 253, ...(valueRequired ? { minLength: 1 } : {}) }),
    },
    description,
    {
      ...(valueRequired ? { required: ['value'] } : {}),
      oneOf: [{ properties: { type: { enum: ['IPAddress'] }, value: { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } } }, { properties: { type: { not: { enum: ['IPAddress'] } } } }],
      ...validations(
        cel(
          valueRequired
            ? "self.type == 'Hostname' ? self.value.matches(r\"\"\"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\"\"\"): true"
            : "self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r\"\"\"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\"\"\")): true",
          `Hostname value must ${valueRequired ? 'only' : 'be empty or'} contain ${valueRequired ? '' : 'only '}valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)`,
        ),
      ),
    },
  );

const stringMap = (description: string, valueMax: number, extra: Props = {}) => ({ type: 'object', description, maxProperties: 8, additionalProperties: { type: 'string', minLength: 0, maxLength: valueMax, ...extra } });
const keyRules = (what: string) =>
  validations(
    cel(`self.all(key, key.matches(r"""${LABEL_KEY}"""))`, `${what} keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.`),
    cel('self.all(key, key.split("/")[0].size() < 253)', `If specified, the ${what.toLowerCase()} key's prefix must be a DNS subdomain not longer than 253 characters in total.`),
  );

// ---- GatewayClass ------------------------------------------------------------------------------

export const gatewayClassCrd: KObject = gatewayApiCrd(
  {
    group: GATEWAY_GROUP,
    version: 'v1',
    kind: 'GatewayClass',
    plural: 'gatewayclasses',
    shortNames: ['gc'],
    categories: ['gateway-api'],
    namespaced: false,
    description: 'A class of Gateways: which controller implements them. The global edge implements the class whose controllerName is kubefed.io/global-edge (kubefed-global).',
    spec: object(
      {
        controllerName: controllerName('The controller that manages Gateways of this class (DOMAIN/PATH); immutable.', validations(cel('self == oldSelf', 'Value is immutable'))),
        parametersRef: parametersRef(true),
        description: str('Describes the GatewayClass.', { maxLength: 64 }),
      },
      'The GatewayClass.',
      { required: ['controllerName'] },
    ),
    status: object(
      {
        conditions: conditions('Accepted: whether the controller accepted the class.', pending('Accepted')),
        supportedFeatures: arrayOf(object({ name: str('Feature name.') }, undefined, { required: ['name'] }), 'Features the class supports, sorted by name.', { maxItems: 64, ...mapBy('name') }),
      },
      'Status written by the controller.',
      { default: { conditions: pending('Accepted') } },
    ),
    columns: [
      { name: 'Controller', type: 'string', jsonPath: '.spec.controllerName' },
      { name: 'Accepted', type: 'string', jsonPath: '.status.conditions[?(@.type=="Accepted")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Description', type: 'string', jsonPath: '.spec.description', priority: 1 },
    ],
  },
  ['v1', 'v1beta1'],
);

// ---- Gateway -----------------------------------------------------------------------------------

const secretRef = object(
  {
    group: group('Group of the referent ("" for Secret).', ''),
    kind: kind('Kind of the referent.', 'Secret'),
    name: objectName('Name of the referent.'),
    namespace: namespace('Namespace of the referent (default the Gateway\'s; another one needs a ReferenceGrant).'),
  },
  'A certificate: a TLS Secret.',
  { required: ['name'] },
);

const labelSelector = object(
  {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: arrayOf(object({ key: str(), operator: str(), values: arrayOf(str(), undefined, atomic) }, undefined, { required: ['key', 'operator'] }), undefined, atomic),
  },
  'Namespaces whose labels match (used with from: Selector).',
  { 'x-kubernetes-map-type': 'atomic' },
);

const listener = object(
  {
    name: sectionName('Name of the listener, unique in the Gateway (routes name it as parentRefs[].sectionName).'),
    hostname: hostname('Host name (exact, or *. wildcard) the listener serves; unset: every host.'),
    port: portNumber('Network port.'),
    protocol: str('HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed protocol.', { maxLength: 255, minLength: 1, pattern: PROTOCOL }),
    tls: object(
      {
        mode: str('Terminate (default) or Passthrough.', { default: 'Terminate', enum: ['Terminate', 'Passthrough'] }),
        certificateRefs: arrayOf(secretRef, 'Certificates for the listener\'s host name.', { maxItems: 64, ...atomic }),
        options: { type: 'object', description: 'Implementation-specific TLS options.', maxProperties: 16, additionalProperties: { type: 'string', minLength: 0, maxLength: 4096 } },
      },
      'TLS configuration (HTTPS and TLS).',
      validations(cel("self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true", 'certificateRefs or options must be specified when mode is Terminate')),
    ),
    allowedRoutes: object(
      {
        namespaces: object(
          {
            from: str('Same (default), All or Selector.', { default: 'Same', enum: ['All', 'Selector', 'Same'] }),
            selector: labelSelector,
          },
          'Namespaces routes may attach from.',
          { default: { from: 'Same' } },
        ),
        kinds: arrayOf(routeGroupKind, 'Route kinds that may attach (default: those the protocol supports).', { maxItems: 8, ...atomic }),
      },
      'Which routes may attach to the listener.',
      { default: { namespaces: { from: 'Same' } } },
    ),
  },
  'A logical endpoint bound on the Gateway\'s addresses.',
  { required: ['name', 'port', 'protocol'] },
);

const sameHostname = "(has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))";

const listenerStatus = object(
  {
    name: sectionName('Name of the listener.'),
    supportedKinds: arrayOf(routeGroupKind, 'Route kinds the listener supports.', { maxItems: 8, ...atomic }),
    attachedRoutes: int32('Routes successfully attached to the listener.'),
    conditions: conditions('Accepted, Programmed, ResolvedRefs, Conflicted.'),
  },
  'Status of one listener.',
  { required: ['attachedRoutes', 'conditions', 'name', 'supportedKinds'] },
);

export const gatewayCrd: KObject = gatewayApiCrd(
  {
    group: GATEWAY_GROUP,
    version: 'v1',
    kind: 'Gateway',
    plural: 'gateways',
    shortNames: ['gtw'],
    categories: ['gateway-api'],
    namespaced: true,
    description: 'A request for a traffic entry point: listeners bound on addresses. Gateways of the kubefed-global class get the global edge\'s address.',
    spec: object(
      {
        gatewayClassName: objectName('The GatewayClass.'),
        listeners: arrayOf(listener, 'Listeners (at least one).', {
          minItems: 1,
          maxItems: 64,
          ...mapBy('name'),
          ...validations(
            cel("self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"),
            cel("self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)", 'tls mode must be Terminate for protocol HTTPS'),
            cel("self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)", "hostname must not be specified for protocols ['TCP', 'UDP']"),
            cel('self.all(l1, self.exists_one(l2, l1.name == l2.name))', 'Listener name must be unique within the Gateway'),
            cel(`self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && ${sameHostname}))`, 'Combination of port, protocol and hostname must be unique for each listener'),
          ),
        }),
        addresses: arrayOf(gatewayAddress('A requested address.', false), 'Addresses requested for the Gateway.', {
          maxItems: 16,
          ...atomic,
          ...validations(
            cel("self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )", 'IPAddress values must be unique'),
            cel("self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )", 'Hostname values must be unique'),
          ),
        }),
        infrastructure: object(
          {
            labels: { ...stringMap('Labels for resources created for the Gateway.', 63, { pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' }), ...keyRules('Label') },
            annotations: { ...stringMap('Annotations for resources created for the Gateway.', 4096), ...keyRules('Annotation') },
            parametersRef: parametersRef(false),
          },
          'Infrastructure attributes of the Gateway.',
        ),
      },
      'The Gateway.',
      { required: ['gatewayClassName', 'listeners'] },
    ),
    status: object(
      {
        addresses: arrayOf(gatewayAddress('An address the Gateway is reachable at.', true), 'Addresses bound to the Gateway.', { maxItems: 16, ...atomic }),
        conditions: conditions('Accepted and Programmed.', pending('Accepted', 'Programmed')),
        listeners: arrayOf(listenerStatus, 'Status of each listener.', { maxItems: 64, ...mapBy('name') }),
      },
      'Status written by the controller.',
      { default: { conditions: pending('Accepted', 'Programmed') } },
    ),
    columns: [
      { name: 'Class', type: 'string', jsonPath: '.spec.gatewayClassName' },
      { name: 'Address', type: 'string', jsonPath: '.status.addresses[*].value' },
      { name: 'Programmed', type: 'string', jsonPath: '.status.conditions[?(@.type=="Programmed")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  ['v1', 'v1beta1'],
);

// ---- HTTPRoute ---------------------------------------------------------------------------------

const parentRef = object(
  {
    group: group('Group of the parent (default gateway.networking.k8s.io).', GATEWAY_GROUP),
    kind: kind('Kind of the parent (default Gateway).', 'Gateway'),
    namespace: namespace('Namespace of the parent (default the route\'s).'),
    name: objectName('Name of the parent.'),
    sectionName: sectionName('A listener of the Gateway (unset: all of them).'),
    port: portNumber('Only listeners on this port.'),
  },
  'A parent (Gateway) the route attaches to.',
  { required: ['name'] },
);

const sameParent = "p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ ))";
const bothOrNoSection = "((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == ''))";
const sameSection = "(((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))";

const headerValue = object(
  { name: str('Header name (case-insensitive).', { maxLength: 256, minLength: 1, pattern: HEADER_NAME }), value: str('Header value.', { maxLength: 4096, minLength: 1 }) },
  undefined,
  { required: ['name', 'value'] },
);
const headerModifier = (description: string) =>
  object(
    {
      set: arrayOf(headerValue, 'Headers to set (overwriting).', { maxItems: 16, ...mapBy('name') }),
      add: arrayOf(headerValue, 'Headers to add (appending).', { maxItems: 16, ...mapBy('name') }),
      remove: arrayOf(str(), 'Header names to remove.', { maxItems: 16, 'x-kubernetes-list-type': 'set' }),
    },
    description,
  );

const pathModifier = object(
  {
    type: str('ReplaceFullPath or ReplacePrefixMatch.', { enum: ['ReplaceFullPath', 'ReplacePrefixMatch'] }),
    replaceFullPath: str('The new path.', { maxLength: 1024 }),
    replacePrefixMatch: str('What the matched prefix is replaced with.', { maxLength: 1024 }),
  },
  'How the path is changed.',
  {
    required: ['type'],
    ...validations(
      ...['ReplaceFullPath', 'ReplacePrefixMatch'].flatMap((t) => {
        const field = t[0]!.toLowerCase() + t.slice(1);
        return [cel(`self.type == '${t}' ? has(self.${field}) : true`, `${field} must be specified when type is set to '${t}'`), cel(`has(self.${field}) ? self.type == '${t}' : true`, `type must be '${t}' when ${field} is set`)];
      }),
    ),
  },
);

const backendObjectRef = (description: string, extra: Props = {}) => ({
  group: group('Group of the referent ("" for Service).', ''),
  kind: kind('Kind of the referent (default Service).', 'Service'),
  name: objectName('Name of the referent.'),
  namespace: namespace('Namespace of the referent (default the route\'s; another one needs a ReferenceGrant).'),
  port: portNumber(`Port of the referent (required for a Service)${description}.`),
  ...extra,
});
const servicePortRule = validations(cel("(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true", 'Must have port for Service reference'));

const FILTER_FIELDS: Record<string, string> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
};

const filter = object(
  {
    type: str('Which filter.', { enum: Object.keys(FILTER_FIELDS) }),
    requestHeaderModifier: headerModifier('Changes request headers.'),
    responseHeaderModifier: headerModifier('Changes response headers.'),
    requestMirror: object(
      {
        backendRef: object(backendObjectRef(''), 'Where requests are mirrored to.', { required: ['name'], ...servicePortRule }),
        percent: int32('Percent of requests mirrored.', { minimum: 0, maximum: 100 }),
        fraction: object(
          { numerator: int32('Numerator.', { minimum: 0 }), denominator: int32('Denominator (default 100).', { minimum: 1, default: 100 }) },
          'Fraction of requests mirrored.',
          { required: ['numerator'], ...validations(cel('self.numerator <= self.denominator', 'numerator must be less than or equal to denominator')) },
        ),
      },
      'Mirrors requests to another backend.',
      { required: ['backendRef'], ...validations(cel('!(has(self.percent) && has(self.fraction))', 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter')) },
    ),
    requestRedirect: object(
      {
        scheme: str('Scheme of the redirect.', { enum: ['http', 'https'] }),
        hostname: preciseHostname('Host name of the redirect.'),
        path: pathModifier,
        port: portNumber('Port of the redirect.'),
        statusCode: { type: 'integer', description: '301 or 302 (default).', default: 302, enum: [301, 302] },
      },
      'Answers with a redirect.',
    ),
    urlRewrite: object({ hostname: preciseHostname('Host header sent to the backend.'), path: pathModifier }, 'Rewrites the request before it is forwarded.'),
    extensionRef: object({ group: group('Group of the referent.'), kind: kind('Kind of the referent.'), name: objectName('Name of the referent.') }, 'An implementation-specific filter.', { required: ['group', 'kind', 'name'] }),
  },
  'A change to requests or responses.',
  {
    required: ['type'],
    ...validations(
      ...Object.entries(FILTER_FIELDS).flatMap(([t, f]) => [cel(`!(has(self.${f}) && self.type != '${t}')`, `filter.${f} must be nil if the filter.type is not ${t}`), cel(`!(!has(self.${f}) && self.type == '${t}')`, `filter.${f} must be specified for ${t} filter.type`)]),
    ),
  },
);

const filters = arrayOf(filter, 'Filters, applied in order.', {
  maxItems: 16,
  ...atomic,
  ...validations(
    cel("!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))", 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both'),
    ...['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'].map((t) => cel(`self.filter(f, f.type == '${t}').size() <= 1`, `${t} filter cannot be repeated`)),
  ),
});

const exactOrPrefix = "(self.type in ['Exact','PathPrefix'])";
const pathMatch = object(
  {
    type: str('Exact, PathPrefix (default) or RegularExpression.', { default: 'PathPrefix', enum: ['Exact', 'PathPrefix', 'RegularExpression'] }),
    value: str('The path (default /).', { default: '/', maxLength: 1024 }),
  },
  'Request path match.',
  {
    default: { type: 'PathPrefix', value: '/' },
    ...validations(
      cel(`${exactOrPrefix} ? self.value.startsWith('/') : true`, "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"),
      ...['//', '/./', '/../', '%2f', '%2F', '#'].map((s) => cel(`${exactOrPrefix} ? !self.value.contains('${s}') : true`, `must not contain '${s}' when type one of ['Exact', 'PathPrefix']`)),
      ...['/..', '/.'].map((s) => cel(`${exactOrPrefix} ? !self.value.endsWith('${s}') : true`, `must not end with '${s}' when type one of ['Exact', 'PathPrefix']`)),
      cel("self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'", "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']"),
      cel(`${exactOrPrefix} ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true`, "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']"),
    ),
  },
);

const valueMatch = (what: string, valueMax: number) =>
  arrayOf(
    object(
      {
        type: str('Exact (default) or RegularExpression.', { default: 'Exact', enum: ['Exact', 'RegularExpression'] }),
        name: str(`${what} name${what === 'Header' ? ' (case-insensitive)' : ''}.`, { maxLength: 256, minLength: 1, pattern: HEADER_NAME }),
        value: str(`${what} value.`, { maxLength: valueMax, minLength: 1 }),
      },
      undefined,
      { required: ['name', 'value'] },
    ),
    `${what} matches, all of which must hold.`,
    { maxItems: 16, ...mapBy('name') },
  );

const routeMatch = object(
  {
    path: pathMatch,
    headers: valueMatch('Header', 4096),
    queryParams: valueMatch('Query parameter', 1024),
    method: str('HTTP method.', { enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] }),
  },
  'Conditions a request must meet (all of them).',
);

const onePrefixMatch = "((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true)";
const prefixFilter = (f: string) => `has(f.${f}) && has(f.${f}.path) && f.${f}.path.type == 'ReplacePrefixMatch' && has(f.${f}.path.replacePrefixMatch)`;

const routeRule = object(
  {
    name: sectionName('Name of the rule, unique in the route.'),
    matches: arrayOf(routeMatch, 'Matches, any of which selects the rule (default: path prefix /).', { maxItems: 64, ...atomic, default: [{ path: { type: 'PathPrefix', value: '/' } }] }),
    filters,
    backendRefs: arrayOf(
      object(backendObjectRef('', { weight: int32('Relative share of requests (default 1; 0: none).', { default: 1, minimum: 0, maximum: 1000000 }), filters }), 'A backend: a Service port and its weight.', { required: ['name'], ...servicePortRule }),
      'Where matching requests go.',
      { maxItems: 16, ...atomic },
    ),
    timeouts: object(
      { request: str('Timeout of the whole request (e.g. 10s).', { pattern: DURATION }), backendRequest: str('Timeout of one request to a backend.', { pattern: DURATION }) },
      'Timeouts.',
      validations(cel("!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))", 'backendRequest timeout cannot be longer than request timeout')),
    ),
  },
  'Matches, filters and backends.',
  validations(
    cel("(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true", 'RequestRedirect filter must not be used together with backendRefs'),
    cel(`(has(self.filters) && self.filters.exists_one(f, ${prefixFilter('requestRedirect')})) ? ${onePrefixMatch} : true`, 'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
    cel(`(has(self.filters) && self.filters.exists_one(f, ${prefixFilter('urlRewrite')})) ? ${onePrefixMatch} : true`, 'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
    cel(`(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, ${prefixFilter('requestRedirect')})) )) ? ${onePrefixMatch} : true`, 'Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
    cel(`(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, ${prefixFilter('urlRewrite')})) )) ? ${onePrefixMatch} : true`, 'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
  ),
);

export const httpRouteCrd: KObject = gatewayApiCrd(
  {
    group: GATEWAY_GROUP,
    version: 'v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    categories: ['gateway-api'],
    namespaced: true,
    description: 'HTTP routing: host names, matches on path, method and headers, and weighted backends, attached to Gateways.',
    spec: object(
      {
        parentRefs: arrayOf(parentRef, 'Gateways (and listeners) the route attaches to.', {
          maxItems: 32,
          ...atomic,
          ...validations(
            cel(`self.all(p1, self.all(p2, ${sameParent} ? ${bothOrNoSection} : true))`, 'sectionName must be specified when parentRefs includes 2 or more references to the same parent'),
            cel(`self.all(p1, self.exists_one(p2, ${sameParent} && ${sameSection}))`, 'sectionName must be unique when parentRefs includes 2 or more references to the same parent'),
          ),
        }),
        hostnames: arrayOf(hostname('A host name: exact, or *. wildcard.'), 'Host names the route serves (intersected with the listeners\').', { maxItems: 16, ...atomic }),
        rules: arrayOf(routeRule, 'Rules (default: every request to no backend).', {
          maxItems: 16,
          ...atomic,
          default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
          ...validations(
            cel(
              `${Array.from({ length: 16 }, (_, i) => `(self.size() > ${i} ? self[${i}].matches.size() : 0)`).join(' + ')} <= 128`,
              'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
            ),
          ),
        }),
      },
      'The route.',
    ),
    status: object(
      {
        parents: arrayOf(
          object(
            {
              parentRef,
              controllerName: controllerName('The controller that wrote this entry.'),
              conditions: conditions('Accepted, ResolvedRefs (and PartiallyInvalid).', undefined, { minItems: 1 }),
            },
            'Status of the route with respect to one parent.',
            { required: ['conditions', 'controllerName', 'parentRef'] },
          ),
          'Status per parent, each written by that parent\'s controller.',
          { maxItems: 32, ...atomic },
        ),
      },
      'Status written by the controllers of the parents.',
      { required: ['parents'] },
    ),
    columns: [
      { name: 'Hostnames', type: 'string', jsonPath: '.spec.hostnames' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  ['v1', 'v1beta1'],
);

// ---- ReferenceGrant ----------------------------------------------------------------------------

export const referenceGrantCrd: KObject = gatewayApiCrd(
  {
    group: GATEWAY_GROUP,
    version: 'v1beta1',
    kind: 'ReferenceGrant',
    plural: 'referencegrants',
    shortNames: ['refgrant'],
    categories: ['gateway-api'],
    namespaced: true,
    description: 'Allows objects of other namespaces (from) to refer to objects of this namespace (to), e.g. HTTPRoutes to Services, Gateways to Secrets.',
    spec: object(
      {
        from: arrayOf(object({ group: group('Group of the referring kind.'), kind: kind('Referring kind.'), namespace: namespace('Namespace of the referring objects.') }, undefined, { required: ['group', 'kind', 'namespace'] }), 'Who may refer.', { minItems: 1, maxItems: 16, ...atomic }),
        to: arrayOf(object({ group: group('Group of the referent.'), kind: kind('Kind of the referent.'), name: objectName('Name of the referent (unset: all of the kind).') }, undefined, { required: ['group', 'kind'] }), 'What may be referred to.', { minItems: 1, maxItems: 16, ...atomic }),
      },
      'The grant.',
      { required: ['from', 'to'] },
    ),
    columns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
  },
  ['v1beta1'],
);

export const GATEWAY_API_CRDS: KObject[] = [gatewayClassCrd, gatewayCrd, httpRouteCrd, referenceGrantCrd];

/** Upstream's annotations, and the versions served (the first is the storage version; same schema). */
function gatewayApiCrd(spec: Parameters<typeof crd>[0], versions: string[]): KObject {
  const c = crd(spec);
  c.metadata!.annotations = { 'gateway.networking.k8s.io/bundle-version': GATEWAY_API_BUNDLE_VERSION, 'gateway.networking.k8s.io/channel': 'standard' };
  const v = c.spec.versions[0];
  // Every kind with a status requires its spec (ReferenceGrant, without status, does not).
  if (spec.status) v.schema.openAPIV3Schema.required = ['spec'];
  c.spec.versions = versions.map((name, i) => ({ ...v, name, storage: i === 0 }));
  return c;
}

/** The GatewayClass of the global edge. */
export function globalGatewayClass(): KObject {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'GatewayClass',
    metadata: { name: GLOBAL_GATEWAY_CLASS, labels: { 'app.kubernetes.io/managed-by': 'kubefed' } },
    spec: { controllerName: GLOBAL_GATEWAY_CONTROLLER, description: 'The global edge of the federation' },
  };
}
