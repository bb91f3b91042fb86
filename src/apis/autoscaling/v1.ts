/**
 * Schemas of autoscaling/v1 used by the scale subresource (io.k8s.api.autoscaling.v1.Scale).
 * Kubernetes 1.33; Scale has no defaults.
 */
import { def, int32, kindObj, obj, ref, str } from '../schema/builders.js';

const S = 'io.k8s.api.autoscaling.v1';

def(
  `${S}.ScaleSpec`,
  obj(
    {
      replicas: int32('Desired number of replicas of the scaled object.'),
    },
    'ScaleSpec is the desired size of a scalable resource.',
  ),
);

def(
  `${S}.ScaleStatus`,
  obj(
    {
      replicas: int32('Observed number of replicas of the scaled object.'),
      selector: str(
        'Label selector of the pods counted in replicas, in the string form accepted by label-selector query parameters (for example "app=web,tier in (a,b)").',
      ),
    },
    { description: 'ScaleStatus is the observed size of a scalable resource.', required: ['replicas'] },
  ),
);

def(
  `${S}.Scale`,
  kindObj({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'Scale is the scale subresource of a scalable resource such as a Deployment.', {
    spec: ref(`${S}.ScaleSpec`, 'The desired number of replicas.'),
    status: ref(`${S}.ScaleStatus`, 'The current number of replicas and their selector; read-only.'),
  }),
);

/*
 * Conditional defaults: none. The scale subresource copies spec.replicas into the parent object and
 * fills status from the parent's status (replicas, and the selector rendered as a string).
 */
