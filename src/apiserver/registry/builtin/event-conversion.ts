/** events.k8s.io/v1 Event <-> core/v1 Event: one stored object, two field layouts. */
import { deepClone, type KObject } from '../../../apis/object.js';

const RENAMES: [string, string][] = [
  // [events.k8s.io/v1, core/v1]
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(o: KObject, from: 0 | 1): KObject {
  const out = deepClone(o);
  for (const pair of RENAMES) {
    const a = pair[from];
    const b = pair[1 - from]!;
    if (out[a] !== undefined) {
      out[b] = out[a];
      delete out[a];
    }
  }
  return out;
}

export function eventToCore(o: KObject): KObject {
  const out = rename(o, 0);
  out.apiVersion = 'v1';
  out.involvedObject ??= {};
  return out;
}

export function eventFromCore(o: KObject): KObject {
  const out = rename(o, 1);
  out.apiVersion = 'events.k8s.io/v1';
  // events.k8s.io/v1 requires eventTime; older core events only carry first/last timestamps.
  if (!out.eventTime) out.eventTime = (out.deprecatedFirstTimestamp ?? out.metadata?.creationTimestamp ?? '').replace(/Z$/, '.000000Z');
  return out;
}
