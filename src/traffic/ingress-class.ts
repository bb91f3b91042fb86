/**
 * Which Ingresses the global edge serves: those of the `kubefed-global` class (or of a class
 * whose controller is `kubefed.io/global-edge`) and those with no class at all. Their copies in
 * the member clusters carry the `kubefed-global` class too, so the members' own ingress
 * controllers leave them alone, and show the global address in their status.
 */
import type { KObject } from '../apis/object.js';

export const GLOBAL_INGRESS_CLASS = 'kubefed-global';
export const GLOBAL_INGRESS_CONTROLLER = 'kubefed.io/global-edge';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

const classOf = (ing: KObject): string | undefined => ing.spec?.ingressClassName || ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] || undefined;

/** Whether the edge serves this Ingress (`classes`: the IngressClasses where it lives). */
export function servedByEdge(ing: KObject, classes: readonly KObject[]): boolean {
  const cls = classOf(ing);
  if (!cls) return true;
  return cls === GLOBAL_INGRESS_CLASS || classes.find((c) => c.metadata?.name === cls)?.spec?.controller === GLOBAL_INGRESS_CONTROLLER;
}

/** The IngressClass object (at the federation it is the default class). */
export function globalIngressClass(isDefault: boolean): KObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: GLOBAL_INGRESS_CLASS, labels: { 'app.kubernetes.io/managed-by': 'kubefed' }, ...(isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } : {}) },
    spec: { controller: GLOBAL_INGRESS_CONTROLLER },
  };
}

/**
 * A member copy of an Ingress the edge serves names the global class explicitly (with no class
 * the member's default ingress controller would claim it). Changes the template in place.
 */
export function claimForEdge(template: KObject): void {
  const cls = classOf(template);
  if (cls && cls !== GLOBAL_INGRESS_CLASS) return;
  template.spec = { ...(template.spec ?? {}), ingressClassName: GLOBAL_INGRESS_CLASS };
  const ann = template.metadata?.annotations;
  if (ann?.[LEGACY_CLASS_ANNOTATION] !== undefined) {
    delete ann[LEGACY_CLASS_ANNOTATION];
    if (!Object.keys(ann).length) delete template.metadata!.annotations;
  }
}
