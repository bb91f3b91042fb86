/**
 * ListOptions from a list or watch request's query, decoded and validated as kube-apiserver's
 * listOpts does: parameter conversion first (an unparsable integer is a 400), then
 * metainternalversion's ValidateListOptions (a 422 `ListOptions.meta.k8s.io "" is invalid`).
 * sendInitialEvents is served, as kube-apiserver does with the WatchList feature gate on.
 */
import { forbidden, invalidError, notSupported, type FieldError } from '../../apis/validation/field.js';
import { queryBool, queryInt64 } from './query.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** The watch parameter itself (the /watch/ path prefix forces a watch without it). */
  watch: boolean;
  allowWatchBookmarks: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  timeoutSeconds?: number;
  /** 0 (or a negative value) means no limit. */
  limit: number;
  continue?: string;
  sendInitialEvents?: boolean;
}

/** Decodes in the field order of the generated conversion, so the first bad integer is the one reported. */
export function decodeListOptions(q: URLSearchParams): ListOptions {
  const str = (name: string) => q.get(name) ?? undefined;
  const timeoutSeconds = queryInt64(q, 'timeoutSeconds');
  const sendInitialEvents = queryBool(q, 'sendInitialEvents');
  const opts: ListOptions = {
    watch: queryBool(q, 'watch') ?? false,
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks') ?? false,
    limit: queryInt64(q, 'limit') ?? 0,
  };
  for (const k of ['labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'continue'] as const) {
    const v = str(k);
    if (v !== undefined) opts[k] = v;
  }
  if (timeoutSeconds !== undefined) opts.timeoutSeconds = timeoutSeconds;
  if (sendInitialEvents !== undefined) opts.sendInitialEvents = sendInitialEvents;
  return opts;
}

/** ValidateListOptions; throws the 422 kube-apiserver answers. */
export function validateListOptions(o: ListOptions): void {
  const errs = o.watch ? watchErrors(o) : listErrors(o);
  if (errs.length) throw invalidError('ListOptions', 'meta.k8s.io', '', errs);
}

function listErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch ?? '';
  if (match) {
    if (!o.resourceVersion) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

function watchErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch ?? '';
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}
