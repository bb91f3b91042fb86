/**
 * Events the federation controllers record on federation objects (core/v1 Events, so
 * `kubectl describe` at the federation shows them). Best effort: an event that cannot be
 * written is not a reason to fail or retry a sync.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { nowTimestamp, type KObject } from '../apis/object.js';
import type { KubeClient } from './client/kube-client.js';

export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  record(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const namespace = obj.metadata?.namespace || 'default';
    const now = nowTimestamp();
    const event: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata?.name ?? 'object'}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion },
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    // One log line per notable action: what the event says, at warn for warnings.
    this.log[type === 'Warning' ? 'warn' : 'info']({ object: `${obj.kind ?? ''} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? ''}`, reason }, event.message as string);
    // Not awaited: a sync does not wait for (or fail on) its events.
    this.client.create(event).catch((err: unknown) => this.log.debug({ err: String(err), reason }, 'event not recorded'));
  }
}
