/**
 * Schemas of events.k8s.io/v1 (io.k8s.api.events.v1): Event, the newer view of core/v1 Events.
 * Kubernetes 1.33 required fields; nothing is defaulted.
 */
import { def, int32, kindObj, listObj, microTime, obj, ref, str, time } from '../schema/builders.js';

const E = 'io.k8s.api.events.v1';
const C = 'io.k8s.api.core.v1';
const gvk = (kind: string) => ({ group: 'events.k8s.io', version: 'v1', kind });

def(
  `${E}.EventSeries`,
  obj(
    {
      count: int32('How many times the event has happened so far in this series.'),
      lastObservedTime: microTime('When the event was last seen.'),
    },
    {
      description: 'EventSeries summarises an event that keeps recurring; it is updated periodically rather than on every occurrence.',
      required: ['count', 'lastObservedTime'],
    },
  ),
);

def(
  `${E}.Event`,
  kindObj(
    gvk('Event'),
    'Event reports something that happened in the cluster, such as a state change or an error. Events are kept only for a limited time.',
    {
      action: str('What the reporting controller did (or failed to do) to the regarding object, in CamelCase; at most 128 characters.'),
      deprecatedCount: int32('Occurrence count from the core/v1 Event; kept for compatibility.'),
      deprecatedFirstTimestamp: time('First-seen time from the core/v1 Event; kept for compatibility.'),
      deprecatedLastTimestamp: time('Last-seen time from the core/v1 Event; kept for compatibility.'),
      deprecatedSource: ref(`${C}.EventSource`, 'Source from the core/v1 Event; kept for compatibility.'),
      eventTime: microTime('When the event was first observed.'),
      note: str('Human-readable description of what happened; at most 1 kB.'),
      reason: str('Why the action was taken, in CamelCase, for example "FailedScheduling"; at most 128 characters.'),
      regarding: ref(`${C}.ObjectReference`, 'The object the event is about, usually the one the reporting controller acted on.'),
      related: ref(`${C}.ObjectReference`, 'A second object involved in the event, for example the node of a pod being scheduled.'),
      reportingController: str('Name of the controller that emitted the event, such as kubernetes.io/kubelet. Required on new events.'),
      reportingInstance: str('Identity of the controller instance that emitted the event, such as kubelet-node-1; at most 128 characters. Required on new events.'),
      series: ref(`${E}.EventSeries`, 'Set when the event recurs; summarises the occurrences.'),
      type: str('Severity of the event: Normal or Warning (more may be added). Required on new events.'),
    },
    { required: ['eventTime'] },
  ),
);
def(`${E}.EventList`, listObj(gvk('EventList'), `${E}.Event`, 'EventList is a list of Events.'));

/*
 * Conditional defaults: none (events/v1 has no SetDefaults_* functions). Note for the storage
 * author: events.k8s.io/v1 and core/v1 Events are the same stored object; conversion maps
 * regarding <-> involvedObject, note <-> message, reportingController <-> reportingComponent,
 * deprecatedSource <-> source, deprecatedFirstTimestamp/LastTimestamp/Count <-> firstTimestamp/
 * lastTimestamp/count, series.{count,lastObservedTime} <-> series.{count,lastObservedTime}.
 */
