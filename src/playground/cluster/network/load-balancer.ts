/**
 * The playground's cloud load balancers, driven like Kubernetes' service controller
 * (k8s.io/cloud-provider/controllers/service): every Service of type LoadBalancer (without a
 * spec.loadBalancerClass, which names some other implementation) gets an address from the
 * cluster's range 127.O.200.1-254, published in status.loadBalancer.ingress as
 * {ip, ipMode: VIP}, and the address really serves: each TCP service port listens on
 * ip:port and forwards every connection, round robin (or sticky per client IP with
 * sessionAffinity ClientIP), to a ready endpoint of the Service on its resolved target port.
 *
 * - Addresses stay put: a Service keeps the address in its status across restarts of this
 *   controller (and of the cluster); spec.loadBalancerIP is honoured when it lies in the range
 *   and is free, otherwise the Service gets a SyncLoadBalancerFailed event and no address, as
 *   a cloud refuses an address it does not own.
 * - No ready endpoints: connections are accepted and reset, as a cloud TCP load balancer with
 *   no healthy backends does; an endpoint refusing the connection is replaced by another once.
 * - Endpoint changes apply to new connections; established ones are left alone. Deleting the
 *   Service, or changing its type, releases the address, stops listening and drops the
 *   connections (the load balancer is gone).
 * - Like the service controller it records EnsuringLoadBalancer/EnsuredLoadBalancer,
 *   DeletingLoadBalancer/DeletedLoadBalancer and SyncLoadBalancerFailed events. Unlike it, it
 *   does not put the service.kubernetes.io/load-balancer-cleanup finalizer on Services: the
 *   load balancers live in this process and see deletions directly, and a finalizer would
 *   only make deleting a Service hang while the cluster's controllers are not running. (It
 *   removes that finalizer if it finds it, e.g. on a Service copied from a real cluster.)
 * - Only TCP is forwarded; UDP and SCTP ports get an UnsupportedProtocol warning.
 * - A blackholed cluster network (faults.ts) holds connections silently; the pods behind add
 *   the cluster's latency.
 * - Ports below 1024 need root (or CAP_NET_BIND_SERVICE); when listening is refused the error
 *   is logged and recorded as a Warning event, and the other ports keep working.
 */
import { deepEqual, type KObject } from '../../../apis/object.js';
import { SERVICES } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import { ClientAffinity, findServicePort, pickForService, readyBackends, RoundRobin } from './backends.js';
import { listenFailure, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const LOAD_BALANCER_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const MANAGER = 'service-controller';
const MAX_ADDRESSES = 254;

interface Listener {
  port: number;
  proxy?: TcpProxy;
  /** Why listening failed (kept so the warning is recorded once). */
  error?: string;
}

interface LoadBalancer {
  ip: string;
  /** The Service as last synced (for events after it is gone). */
  svc: KObject;
  listeners: Map<number, Listener>;
  rr: Map<number, RoundRobin>;
  affinity: ClientAffinity;
  warnings: Set<string>;
}

const isLoadBalancer = (svc: KObject | undefined) => svc?.spec?.type === 'LoadBalancer' && !svc.spec?.loadBalancerClass;

const statusIPs = (svc: KObject | undefined): string[] => (svc?.status?.loadBalancer?.ingress ?? []).map((i: KObject) => i?.ip).filter((ip: unknown): ip is string => typeof ip === 'string');

export class LoadBalancerController extends Controller {
  private readonly lbs = new Map<string, LoadBalancer>();
  /** Address -> key of the Service holding it (or whose status claims it, until synced). */
  private readonly owners = new Map<string, string>();
  /** Last allocation error per Service (recorded once). */
  private readonly failures = new Map<string, string>();

  constructor(private readonly runtime: ClusterRuntime) {
    super(runtime.client(MANAGER), 'load-balancer', { concurrency: 2 });
  }

  /** The address a Service is served at, if any (for tests and the playground's own tools). */
  addressOf(namespace: string, name: string): string | undefined {
    return this.lbs.get(`${namespace}/${name}`)?.ip;
  }

  private inRange(ip: string): boolean {
    const prefix = `127.${this.runtime.addresses.octet}.200.`;
    if (!ip.startsWith(prefix)) return false;
    const last = Number(ip.slice(prefix.length));
    return Number.isInteger(last) && last >= 1 && last <= MAX_ADDRESSES && String(last) === ip.slice(prefix.length);
  }

  start(): void {
    this.watch(SERVICES, (e) => {
      const relevant =
        isLoadBalancer(e.obj) ||
        isLoadBalancer(e.prev) ||
        this.lbs.has(keyOf(e.obj)) ||
        (e.obj.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER);
      if (relevant) this.queue.add(keyOf(e.obj));
    });
    // Addresses in status are claimed before anything is allocated, so they survive restarts.
    for (const svc of this.client.list(SERVICES)) {
      const key = keyOf(svc);
      if (isLoadBalancer(svc)) {
        for (const ip of statusIPs(svc)) if (this.inRange(ip) && !this.owners.has(ip)) this.owners.set(ip, key);
        this.queue.add(key);
      } else if ((svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER) || statusIPs(svc).some((ip) => this.inRange(ip))) {
        this.queue.add(key);
      }
    }
  }

  override async stop(): Promise<void> {
    super.stop();
    // Let a sync in flight finish, so no listener is opened after this.
    await this.idle();
    const all = [...this.lbs.values()];
    this.lbs.clear();
    this.owners.clear();
    await Promise.all(all.flatMap((lb) => [...lb.listeners.values()].map((l) => l.proxy?.close())));
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.client.get(SERVICES, namespace, name);
    if (!svc || !isLoadBalancer(svc) || svc.metadata?.deletionTimestamp) {
      await this.ensureDeleted(key, svc);
      return;
    }

    const alloc = this.allocate(key, svc);
    if ('error' in alloc) {
      if (this.failures.get(key) !== alloc.error) {
        this.failures.set(key, alloc.error);
        this.runtime.log.warn({ service: key, err: alloc.error }, 'cannot allocate a load balancer address');
        await this.client.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${alloc.error}`);
      }
      // Without an address, whatever was served before goes.
      const old = this.lbs.get(key);
      if (old) await this.teardown(key, old);
      await this.writeStatus(svc, undefined);
      return;
    }
    this.failures.delete(key);

    let lb = this.lbs.get(key);
    const wantPorts = new Map<number, KObject>();
    const unsupported: string[] = [];
    for (const p of svc.spec?.ports ?? []) {
      if ((p.protocol ?? 'TCP') === 'TCP') wantPorts.set(p.port, p);
      else unsupported.push(`${String(p.protocol).toLowerCase()}/${p.port}`);
    }
    const changed = !lb || lb.ip !== alloc.ip || !sameKeys(lb.listeners, wantPorts) || !deepEqual(statusIPs(svc), [alloc.ip]);
    const retry = !!lb && [...lb.listeners.values()].some((l) => !l.proxy);
    if (!changed && !retry) {
      lb!.svc = svc;
      return;
    }
    if (changed) await this.client.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    if (lb && lb.ip !== alloc.ip) {
      await this.closeListeners(lb);
      lb = undefined;
    }
    if (!lb) {
      lb = { ip: alloc.ip, svc, listeners: new Map(), rr: new Map(), affinity: new ClientAffinity(), warnings: new Set() };
      this.lbs.set(key, lb);
    }
    lb.svc = svc;

    // Ports no longer wanted.
    for (const [port, l] of [...lb.listeners]) {
      if (wantPorts.has(port)) continue;
      lb.listeners.delete(port);
      lb.rr.delete(port);
      await l.proxy?.close();
    }
    const errors: string[] = [];
    for (const port of wantPorts.keys()) {
      let l = lb.listeners.get(port);
      if (l?.proxy) continue;
      if (!l) lb.listeners.set(port, (l = { port }));
      try {
        const proxy = await this.listen(key, lb, port);
        if (this.stopped || this.lbs.get(key) !== lb) {
          await proxy.close();
          return;
        }
        l.proxy = proxy;
        delete l.error;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = listenFailure(err, `${lb.ip}:${port}`);
        errors.push(why);
        if (l.error !== why) {
          l.error = why;
          this.runtime.log.error({ service: key, address: `${lb.ip}:${port}`, code: err.code }, why);
          await this.client.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${why}`);
        }
        // An address still held by a previous listener (e.g. just released) frees up soon.
        if (err.code === 'EADDRINUSE') this.queue.addAfter(key, 2_000);
      }
    }
    for (const u of unsupported) {
      if (lb.warnings.has(u)) continue;
      lb.warnings.add(u);
      await this.client.event(svc, 'Warning', 'UnsupportedProtocol', `Port ${u} is not forwarded: the playground load balancer forwards TCP only`);
    }

    await this.writeStatus(svc, alloc.ip);
    if ((changed || retry) && errors.length === 0) await this.client.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  }

  private listen(key: string, lb: LoadBalancer, port: number): Promise<TcpProxy> {
    const { namespace, name } = splitKey(key);
    const rr = new RoundRobin();
    lb.rr.set(port, rr);
    return startTcpProxy({
      ip: lb.ip,
      port,
      network: this.runtime.network,
      pickBackend: ({ remoteAddress, tried }) => {
        const svc = this.client.get(SERVICES, namespace, name);
        if (!svc || !isLoadBalancer(svc)) return undefined;
        const sp = findServicePort(svc, port);
        if (!sp) return undefined;
        return pickForService(svc, readyBackends(this.client, svc, sp), rr, lb.affinity, remoteAddress, tried);
      },
    });
  }

  /** Chooses the Service's address: requested, already held, from status, or the first free one. */
  private allocate(key: string, svc: KObject): { ip: string } | { error: string } {
    const held = [...this.owners].filter(([, k]) => k === key).map(([ip]) => ip);
    const claim = (ip: string) => {
      for (const h of held) if (h !== ip) this.owners.delete(h);
      this.owners.set(ip, key);
      return { ip };
    };
    const requested: string | undefined = svc.spec?.loadBalancerIP || undefined;
    const range = `127.${this.runtime.addresses.octet}.200.1-${MAX_ADDRESSES}`;
    if (requested) {
      if (!this.inRange(requested)) return { error: `requested loadBalancerIP ${requested} is not in this cluster's load balancer range ${range}` };
      const owner = this.owners.get(requested);
      if (owner && owner !== key) return { error: `requested loadBalancerIP ${requested} is in use by service ${owner}` };
      return claim(requested);
    }
    const current = this.lbs.get(key)?.ip;
    if (current && this.owners.get(current) === key) return claim(current);
    for (const ip of statusIPs(svc)) {
      const owner = this.owners.get(ip);
      if (this.inRange(ip) && (!owner || owner === key)) return claim(ip);
    }
    if (held[0]) return claim(held[0]);
    for (let i = 0; i < MAX_ADDRESSES; i++) {
      const ip = this.runtime.addresses.loadBalancer(i);
      if (!this.owners.has(ip)) return claim(ip);
    }
    return { error: `no free address left in ${range}` };
  }

  private async writeStatus(svc: KObject, ip: string | undefined): Promise<void> {
    const want = ip ? [{ ip, ipMode: 'VIP' }] : [];
    const cur: KObject[] = svc.status?.loadBalancer?.ingress ?? [];
    if (deepEqual(cur, want)) return;
    const { namespace, name } = splitKey(keyOf(svc));
    await this.client.modify(
      SERVICES,
      namespace,
      name,
      (o) => {
        if (deepEqual(o.status?.loadBalancer?.ingress ?? [], want)) return false;
        o.status = { ...(o.status ?? {}), loadBalancer: want.length ? { ingress: want } : {} };
      },
      { status: true },
    );
  }

  private async closeListeners(lb: LoadBalancer): Promise<void> {
    const ls = [...lb.listeners.values()];
    lb.listeners.clear();
    await Promise.all(ls.map((l) => l.proxy?.close()));
  }

  private async teardown(key: string, lb: LoadBalancer): Promise<void> {
    this.lbs.delete(key);
    await this.closeListeners(lb);
    for (const [ip, k] of [...this.owners]) if (k === key) this.owners.delete(ip);
  }

  /** The Service is gone, being deleted, or no longer of type LoadBalancer. */
  private async ensureDeleted(key: string, svc: KObject | undefined): Promise<void> {
    const lb = this.lbs.get(key);
    this.failures.delete(key);
    const subject = svc ?? lb?.svc;
    const hadLoadBalancer = !!lb || statusIPs(svc).length > 0 || (svc?.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER);
    if (hadLoadBalancer && subject) await this.client.event(subject, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
    if (lb) await this.teardown(key, lb);
    else for (const [ip, k] of [...this.owners]) if (k === key) this.owners.delete(ip);
    if (svc) {
      // A Service that is no longer of type LoadBalancer must not keep a load balancer status.
      if (statusIPs(svc).length > 0 && !isLoadBalancer(svc)) await this.writeStatus(svc, undefined);
      if ((svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER)) {
        const { namespace, name } = splitKey(key);
        await this.client.modify(SERVICES, namespace, name, (o) => {
          const f: string[] = o.metadata!.finalizers ?? [];
          if (!f.includes(LOAD_BALANCER_CLEANUP_FINALIZER)) return false;
          o.metadata!.finalizers = f.filter((x) => x !== LOAD_BALANCER_CLEANUP_FINALIZER);
        });
      }
    }
    if (hadLoadBalancer && subject) await this.client.event(subject, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
  }
}

function sameKeys(a: Map<number, unknown>, b: Map<number, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}
