/**
 * Schemas of policy/v1 (io.k8s.api.policy.v1): Eviction (body of the pods/eviction subresource)
 * and PodDisruptionBudget. Kubernetes 1.33 list semantics, required fields and enums.
 */
import { def, int32, int64, intOrString, kindObj, listObj, mapList, mapOf, obj, ref, str, time } from '../schema/builders.js';

const P = 'io.k8s.api.policy.v1';
const M = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const gvk = (kind: string) => ({ group: 'policy', version: 'v1', kind });

def(
  `${P}.Eviction`,
  kindObj(
    gvk('Eviction'),
    'Eviction asks for a pod to be deleted only if its PodDisruptionBudgets allow it. Create it through the pods/eviction subresource.',
    {
      deleteOptions: ref(`${M}.DeleteOptions`, 'Options for the resulting deletion, such as a grace period or preconditions.'),
    },
  ),
);

def(
  `${P}.PodDisruptionBudgetSpec`,
  obj(
    {
      maxUnavailable: intOrString(
        'Eviction is allowed only if at most this many selected pods (a number or a percentage) would be unavailable afterwards. Mutually exclusive with minAvailable.',
      ),
      minAvailable: intOrString(
        'Eviction is allowed only if at least this many selected pods (a number or a percentage) would still be available afterwards. Mutually exclusive with maxUnavailable.',
      ),
      selector: ref(
        `${M}.LabelSelector`,
        'Selects the pods the budget protects. An empty selector selects every pod in the namespace; a null one selects none.',
        { 'x-kubernetes-patch-strategy': 'replace' },
      ),
      unhealthyPodEvictionPolicy: str(
        'When running pods that are not yet healthy may be evicted: IfHealthyBudget (only while the budget is met) or AlwaysAllow. Unset behaves as IfHealthyBudget.',
        { enum: ['AlwaysAllow', 'IfHealthyBudget'] },
      ),
    },
    'PodDisruptionBudgetSpec describes how many selected pods voluntary disruptions may take down.',
  ),
);

def(
  `${P}.PodDisruptionBudgetStatus`,
  obj(
    {
      conditions: mapList(
        ref(`${M}.Condition`),
        'type',
        'Latest observations of the budget; DisruptionAllowed tells whether evictions are currently permitted.',
      ),
      currentHealthy: int32('Number of selected pods that are currently healthy.'),
      desiredHealthy: int32('Minimum number of healthy pods the budget requires.'),
      disruptedPods: mapOf(
        time(),
        'Pods whose eviction was approved but not yet observed as deleted, with the approval time; entries expire after a few minutes.',
      ),
      disruptionsAllowed: int32('How many pod disruptions are currently allowed.'),
      expectedPods: int32('Total number of pods counted by the budget.'),
      observedGeneration: int64('The metadata.generation last acted on when computing this status.'),
    },
    {
      description: 'PodDisruptionBudgetStatus is the most recently observed state of a PodDisruptionBudget; it may lag behind the system.',
      required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'],
    },
  ),
);

def(
  `${P}.PodDisruptionBudget`,
  kindObj(gvk('PodDisruptionBudget'), 'PodDisruptionBudget limits how many pods of a set voluntary disruptions such as evictions may take down at once.', {
    spec: ref(`${P}.PodDisruptionBudgetSpec`, 'The desired bounds on disruptions.'),
    status: ref(`${P}.PodDisruptionBudgetStatus`, 'The most recently observed state of the budget.'),
  }),
);
def(
  `${P}.PodDisruptionBudgetList`,
  listObj(gvk('PodDisruptionBudgetList'), `${P}.PodDisruptionBudget`, 'PodDisruptionBudgetList is a list of PodDisruptionBudgets.'),
);

/*
 * Conditional defaults: none in policy/v1 (no SetDefaults_* for PodDisruptionBudget or Eviction).
 * PodDisruptionBudgetSpec.selector carries patchStrategy "replace" (strategic merge patch replaces
 * the whole selector), as in the Go struct tag.
 */
