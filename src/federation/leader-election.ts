/**
 * Leader election over a `coordination.k8s.io/v1` Lease, with client-go's semantics
 * (k8s.io/client-go/tools/leaderelection):
 * - every `retryPeriod` a candidate tries to acquire or renew: it takes the lease when there is
 *   none, when it holds it, or when the holder has not renewed it for `leaseDuration` as measured
 *   on the candidate's own clock since it last saw the record change (not the record's timestamps,
 *   so clock skew between machines does not matter);
 * - writes are compare-and-swap on the lease's resourceVersion: two candidates never both win;
 * - a leader that has not renewed for `renewDeadline` stops leading (onStoppedLeading) before its
 *   lease can expire for others (renewDeadline < leaseDuration), so two never act at once;
 * - defaults as client-go's: lease 15 s, renew deadline 10 s, retry 2 s.
 */
import type { Logger } from 'pino';
import type { KObject } from '../apis/object.js';
import { isAlreadyExists, isConflict, type KubeClient } from './client/kube-client.js';

const LEASES = 'coordination.k8s.io/v1';

export interface LeaderElectionConfig {
  /** Lease name and namespace. */
  name: string;
  namespace: string;
  /** This candidate's identity (unique per process: hostname + random). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface LeaderCallbacks {
  /** Became the leader: start acting. */
  onStartedLeading(): void | Promise<void>;
  /** Stopped being the leader (lost the lease, or stop()): stop acting at once. */
  onStoppedLeading(): void | Promise<void>;
  /** Someone (maybe this candidate) holds the lease now. */
  onNewLeader?(identity: string): void;
}

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed?: { record: string; at: number; holder?: string; rv?: string };
  private leading = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private running?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly config: LeaderElectionConfig,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Logger,
  ) {
    this.leaseMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryMs = config.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseMs) throw new Error('leader election: the renew deadline must be shorter than the lease duration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The current holder as last observed (undefined: none). */
  get leader(): string | undefined {
    return this.observed?.holder;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops campaigning; a leader steps down (and releases the lease so a standby takes over at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.leading) {
      await this.release();
      await this.stepDown('stopped');
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.retryMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (e) {
      this.log.debug({ lease: this.config.name, err: String(e) }, 'leader election attempt failed');
    }
    if (this.stopped) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.log.info({ lease: this.config.name, identity: this.config.identity }, 'became leader');
        await this.callbacks.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew >= this.renewDeadlineMs) {
      await this.stepDown(`could not renew the lease for ${this.renewDeadlineMs} ms`);
    }
  }

  private async stepDown(why: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn({ lease: this.config.name, identity: this.config.identity, why }, 'stopped leading');
    await this.callbacks.onStoppedLeading();
  }

  private observe(lease: KObject): void {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (this.observed?.record !== record) {
      const before = this.observed?.holder;
      this.observed = { record, at: Date.now(), holder: spec.holderIdentity, rv: lease.metadata?.resourceVersion };
      if (spec.holderIdentity && spec.holderIdentity !== before) this.callbacks.onNewLeader?.(spec.holderIdentity);
    } else this.observed.rv = lease.metadata?.resourceVersion;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.config;
    const now = new Date();
    const seconds = Math.ceil(this.leaseMs / 1000);
    const lease = await this.client.get(LEASES, 'Lease', namespace, name);
    if (!lease) {
      const spec = { holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 };
      try {
        const created = await this.client.create({ apiVersion: LEASES, kind: 'Lease', metadata: { name, namespace }, spec });
        this.observe(created);
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    this.observe(lease);
    const spec = lease.spec ?? {};
    const holder: string | undefined = spec.holderIdentity || undefined;
    const mine = holder === identity;
    // Another holder's lease counts as expired only after leaseDuration on our own clock.
    const heldFor = Number(spec.leaseDurationSeconds ?? seconds) * 1000;
    if (holder && !mine && this.observed!.at + heldFor > now.getTime()) return false;
    const next = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      renewTime: micro(now),
      ...(mine ? {} : { acquireTime: micro(now), leaseTransitions: Number(spec.leaseTransitions ?? 0) + (holder ? 1 : 0) }),
    };
    try {
      const updated = await this.client.replace({ ...lease, spec: next });
      this.observe(updated);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  /** Gives the lease up (holder cleared, duration 1 s) so a standby need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get(LEASES, 'Lease', this.config.namespace, this.config.name);
      if (!lease || lease.spec?.holderIdentity !== this.config.identity) return;
      await this.client.replace({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: micro(new Date()) } });
    } catch (e) {
      this.log.debug({ lease: this.config.name, err: String(e) }, 'releasing the lease failed');
    }
  }
}
