/**
 * ClusterIP and NodePort allocation for Services. What is in use is read from the stored
 * Services; addresses handed out but not yet stored are held briefly so concurrent creates
 * cannot receive the same one.
 */
import type { KObject } from '../../../apis/object.js';
import { invalid, type FieldError } from '../../../apis/validation/field.js';

export interface ServiceRanges {
  /** IPv4 CIDR for ClusterIPs, e.g. 10.96.0.0/12. */
  serviceCIDR: string;
  nodePortMin: number;
  nodePortMax: number;
}

export const DEFAULT_RANGES: ServiceRanges = { serviceCIDR: '10.96.0.0/12', nodePortMin: 30000, nodePortMax: 32767 };

const HOLD_MS = 30_000;

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;
  /** Addresses and ports handed out but maybe not stored yet: value = [expiry, owner uid]. */
  private readonly heldIps = new Map<string, [number, string]>();
  private readonly heldPorts = new Map<number, [number, string]>();

  constructor(readonly ranges: ServiceRanges = DEFAULT_RANGES) {
    const [net, bits] = ranges.serviceCIDR.split('/');
    const b = Number(bits);
    this.base = (ipToInt(net!) & (b === 0 ? 0 : (~0 << (32 - b)) >>> 0)) >>> 0;
    this.size = 2 ** (32 - b);
  }

  /** The first usable address (.1), which Kubernetes gives the `kubernetes` Service. */
  firstIp(): string {
    return intToIp(this.base + 1);
  }

  inRange(ip: string): boolean {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return false;
    const n = ipToInt(ip);
    return n > this.base && n < this.base + this.size - 1;
  }

  private prune(now: number): void {
    for (const [k, [t]] of this.heldIps) if (t < now) this.heldIps.delete(k);
    for (const [k, [t]] of this.heldPorts) if (t < now) this.heldPorts.delete(k);
  }

  /** Held by another Service than `uid` (a Service's own holds never block it). */
  private heldByOthers<K>(held: Map<K, [number, string]>, uid: string | undefined): K[] {
    return [...held].filter(([, [, owner]]) => owner !== uid).map(([k]) => k);
  }

  private usedIps(services: KObject[], uid?: string): Set<string> {
    const used = new Set<string>(this.heldByOthers(this.heldIps, uid));
    for (const s of services) for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) used.add(ip);
    return used;
  }

  private usedPorts(services: KObject[], uid?: string): Set<number> {
    const used = new Set<number>(this.heldByOthers(this.heldPorts, uid));
    for (const s of services) {
      for (const p of s.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
      if (s.spec?.healthCheckNodePort) used.add(s.spec.healthCheckNodePort);
    }
    return used;
  }

  /** A free ClusterIP (or the requested one, if free and in range); problems are added to `errs`. */
  allocateIp(services: KObject[], requested: string | undefined, errs: FieldError[], uid = ''): string | undefined {
    const now = Date.now();
    this.prune(now);
    const used = this.usedIps(services, uid);
    if (requested) {
      if (!this.inRange(requested)) {
        errs.push(
          invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.ranges.serviceCIDR}`),
        );
        return undefined;
      }
      if (used.has(requested)) {
        errs.push(invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: provided IP is already allocated`));
        return undefined;
      }
      this.heldIps.set(requested, [now + HOLD_MS, uid]);
      return requested;
    }
    // Like Kubernetes, start from a random offset so addresses are spread over the range.
    const span = this.size - 2;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const ip = intToIp(this.base + 1 + ((start + i) % span));
      if (!used.has(ip)) {
        this.heldIps.set(ip, [now + HOLD_MS, uid]);
        return ip;
      }
    }
    errs.push(invalid('spec.clusterIPs', [], 'failed to allocate a serviceIP: range is full'));
    return undefined;
  }

  /** Fills missing nodePorts (and checks requested ones) for NodePort/LoadBalancer services. */
  allocateNodePorts(services: KObject[], svc: KObject, errs: FieldError[]): void {
    const now = Date.now();
    this.prune(now);
    const uid = svc.metadata?.uid ?? '';
    const used = this.usedPorts(services.filter((s) => s.metadata?.uid !== uid), uid);
    const { nodePortMin: min, nodePortMax: max } = this.ranges;
    const ports: KObject[] = svc.spec?.ports ?? [];
    const mine = new Set<number>();
    ports.forEach((p, i) => {
      if (p.nodePort) {
        if (p.nodePort < min || p.nodePort > max) {
          errs.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${min}-${max}`));
        } else if (used.has(p.nodePort) && !mine.has(p.nodePort)) {
          errs.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
        }
        mine.add(p.nodePort);
      }
    });
    for (const p of ports) {
      if (p.nodePort) continue;
      const span = max - min + 1;
      const start = Math.floor(Math.random() * span);
      for (let i = 0; i < span; i++) {
        const port = min + ((start + i) % span);
        if (!used.has(port) && !mine.has(port)) {
          p.nodePort = port;
          mine.add(port);
          this.heldPorts.set(port, [now + HOLD_MS, uid]);
          break;
        }
      }
    }
  }
}
