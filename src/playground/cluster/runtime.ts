/**
 * What a simulated cluster's components share: the cluster's spec and addresses, its API
 * server's internals, timing, which simulated machines are powered, and the pod log store
 * behind `kubectl logs`. Every component (scheduler, kubelets, controllers, load balancers,
 * ingress) is a ClusterComponent built from this runtime.
 */
import type { Logger } from 'pino';
import type { KObject } from '../../apis/object.js';
import type { PodLogSource } from '../../apiserver/handlers/subresources.js';
import type { Api } from '../../apiserver/rest/context.js';
import type { ClusterAddresses } from '../addresses.js';
import { InternalClient } from './client.js';
import type { NetworkFaults } from './network/faults.js';
import type { Timing } from './timing.js';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: number;
}

export interface NodeSpec {
  name: string;
  /** Position in the cluster (0-based): decides the node's and its pods' addresses. */
  index: number;
  region: string;
  zone: string;
  capacity: NodeCapacity;
  labels?: Record<string, string>;
}

export interface ClusterSpec {
  name: string;
  region: string;
  zones: string[];
  /** Second octet of the cluster's 127.O.0.0/16. */
  octet: number;
  nodes: NodeSpec[];
}

export interface ClusterComponent {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  /** Resolves when the component has nothing queued (for tests). */
  idle?(): Promise<void>;
}

/** Which simulated machines have power. Faults switch nodes off; components react to changes. */
export class NodePower {
  private readonly down = new Set<string>();
  private readonly listeners = new Set<(node: string, up: boolean) => void>();

  isUp(node: string): boolean {
    return !this.down.has(node);
  }

  set(node: string, up: boolean): void {
    if (up === this.isUp(node)) return;
    if (up) this.down.delete(node);
    else this.down.add(node);
    for (const l of [...this.listeners]) l(node, up);
  }

  onChange(fn: (node: string, up: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  downNodes(): string[] {
    return [...this.down];
  }
}

const MAX_LOG_LINES = 1000;

/** Container output, as a kubelet keeps it, served by pods/log. */
export class PodLogStore implements PodLogSource {
  private readonly lines = new Map<string, { current: string[]; previous: string[] }>();

  private key(namespace: string, pod: string, container: string): string {
    return `${namespace}/${pod}/${container}`;
  }

  append(namespace: string, pod: string, container: string, line: string): void {
    const k = this.key(namespace, pod, container);
    let l = this.lines.get(k);
    if (!l) this.lines.set(k, (l = { current: [], previous: [] }));
    l.current.push(`${new Date().toISOString()} ${line}`);
    if (l.current.length > MAX_LOG_LINES) l.current.splice(0, l.current.length - MAX_LOG_LINES);
  }

  /** A container restarted: its current log becomes the previous one. */
  restart(namespace: string, pod: string, container: string): void {
    const l = this.lines.get(this.key(namespace, pod, container));
    if (l) {
      l.previous = l.current;
      l.current = [];
    }
  }

  forget(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const k of [...this.lines.keys()]) if (k.startsWith(prefix)) this.lines.delete(k);
  }

  logs(pod: KObject, container: string, opts: { tailLines?: number; previous?: boolean; timestamps?: boolean }): string {
    const l = this.lines.get(this.key(pod.metadata!.namespace!, pod.metadata!.name!, container));
    let out = (opts.previous ? l?.previous : l?.current) ?? [];
    if (opts.tailLines !== undefined) out = out.slice(-opts.tailLines);
    if (!opts.timestamps) out = out.map((s) => s.slice(s.indexOf(' ') + 1));
    return out.length ? out.join('\n') + '\n' : '';
  }
}

export interface ClusterRuntime {
  spec: ClusterSpec;
  api: Api;
  addresses: ClusterAddresses;
  timing: Timing;
  log: Logger;
  power: NodePower;
  logs: PodLogStore;
  /** Faults of the cluster's data plane (blackhole, latency); none when absent. */
  network?: NetworkFaults;
  /** A client whose writes and events are attributed to `manager` (e.g. "kube-scheduler"). */
  client(manager: string): InternalClient;
}

export function makeClient(api: Api, manager: string): InternalClient {
  return new InternalClient(api, manager);
}
