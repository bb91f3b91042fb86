/**
 * PodLogOptions from the query of a pods/log request: converted as kube-apiserver's parameter
 * codec does (an unparsable integer is a 400), then checked by ValidatePodLogOptions (a 422
 * `PodLogOptions "<pod>" is invalid`), before the pod is even looked up.
 */
import { forbidden, invalid, invalidError, type FieldError } from '../../apis/validation/field.js';
import { queryBool, queryInt64 } from '../http/query.js';

export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/** Integers are read in the generated conversion's field order, so the first bad one is the one reported. */
export function decodePodLogOptions(q: URLSearchParams): PodLogOptions {
  const sinceSeconds = queryInt64(q, 'sinceSeconds');
  const tailLines = queryInt64(q, 'tailLines');
  const limitBytes = queryInt64(q, 'limitBytes');
  const sinceTime = q.get('sinceTime');
  return {
    container: q.get('container') ?? '',
    follow: queryBool(q, 'follow') ?? false,
    previous: queryBool(q, 'previous') ?? false,
    timestamps: queryBool(q, 'timestamps') ?? false,
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTime ? { sinceTime } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

export function validatePodLogOptions(pod: string, o: PodLogOptions): void {
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) errs.push(invalid('tailLines', o.tailLines, 'must be greater than or equal to 0'));
  if (o.limitBytes !== undefined && o.limitBytes < 1) errs.push(invalid('limitBytes', o.limitBytes, 'must be greater than 0'));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  } else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    errs.push(invalid('sinceSeconds', o.sinceSeconds, 'must be greater than 0'));
  }
  if (errs.length) throw invalidError('PodLogOptions', '', pod, errs);
}
