/**
 * The federated types, as FederatedTypeConfigs in kube-federation-system say (KubeFed's
 * FederatedTypeConfig controller): for each valid FTC the Federated<Kind> CRD is created in the
 * federation when missing, and the type is reported only once the federation serves it. The
 * registry (list/byTarget/byFederatedKind) always reflects the current FTCs, Disabled ones
 * included, and every change is announced through onChange. FTC status records
 * observedGeneration and whether the propagation and status controllers run for the type.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { isAlreadyExists, type Informer, type KubeClient } from '../client/kube-client.js';
import type { TypeRegistry } from '../context.js';
import { CORE_API_VERSION, CRD_API_VERSION, federatedTypeCrd, KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import { typeInfoFromConfig, type FederatedTypeInfo } from '../types.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';

export interface TypeConfigControllerOptions {
  federation: KubeClient;
  log: Logger;
  /** Namespace of the FederatedTypeConfigs (default kube-federation-system). */
  namespace?: string;
  /** How long to wait for a new Federated<Kind> CRD to be served (default 30 s). */
  servedTimeoutMs?: number;
  /** Where the work queue's metrics go. */
  metrics?: WorkQueueMetricsProvider;
}

const FIELD_MANAGER = 'kubefed-controller-manager';

export class TypeConfigController implements TypeRegistry {
  private readonly federation: KubeClient;
  private readonly log: Logger;
  private readonly namespace: string;
  private readonly servedTimeoutMs: number;
  /** Reported types by FTC name. */
  private readonly types = new Map<string, FederatedTypeInfo>();
  private readonly listeners = new Set<() => void>();
  private informer: Informer | undefined;
  private crdInformer: Informer | undefined;
  /** FTC names to reconcile; a CRD slow to be served does not hold up the other types. */
  private readonly queue: WorkQueue;
  private stopped = false;

  constructor(opts: TypeConfigControllerOptions) {
    this.federation = opts.federation;
    this.log = opts.log.child({ controller: 'federatedtypeconfig' });
    this.namespace = opts.namespace ?? KUBEFED_NAMESPACE;
    this.servedTimeoutMs = opts.servedTimeoutMs ?? 30_000;
    this.queue = new WorkQueue((name) => this.reconcile(name), {
      name: 'typeconfig',
      metrics: opts.metrics,
      concurrency: 4,
      baseDelayMs: 200,
      onError: (name, err) => this.log.warn({ err, ftc: name }, 'reconciling FederatedTypeConfig failed; retrying'),
    });
  }

  // --- TypeRegistry ------------------------------------------------------------------------------

  list(): FederatedTypeInfo[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  byTarget(apiVersion: string, kind: string): FederatedTypeInfo | undefined {
    for (const t of this.types.values()) if (t.target.apiVersion === apiVersion && t.target.kind === kind) return t;
    return undefined;
  }

  byFederatedKind(kind: string): FederatedTypeInfo | undefined {
    for (const t of this.types.values()) if (t.federated.kind === kind) return t;
    return undefined;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // --- lifecycle ---------------------------------------------------------------------------------

  /** Resolves once the FTCs are listed and every valid one's CRD is served (or failed once). */
  async start(): Promise<void> {
    this.stopped = false;
    const informer = await this.federation.informer(CORE_API_VERSION, 'FederatedTypeConfig', { namespace: this.namespace });
    this.informer = informer;
    const enqueue = (o: KObject) => this.enqueue(o.metadata?.name ?? '');
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    informer.on('error', (e) => this.log.debug({ err: e }, 'FederatedTypeConfig watch failed; relisting'));
    await informer.start();
    // A Federated<Kind> CRD deleted while its FTC stays is created again.
    const crds = await this.federation.informer(CRD_API_VERSION, 'CustomResourceDefinition', { labelSelector: 'kubefed.io/crd=true' });
    this.crdInformer = crds;
    crds.on('delete', (crd: KObject) => {
      for (const t of this.types.values()) if (`${t.federated.plural}.${t.federated.group}` === crd.metadata?.name) this.enqueue(t.name);
    });
    crds.on('error', (e) => this.log.debug({ err: e }, 'CustomResourceDefinition watch failed; relisting'));
    await crds.start();
    for (const o of informer.list(this.namespace)) enqueue(o);
    await this.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutdown();
    await this.informer?.stop();
    await this.crdInformer?.stop();
  }

  /** Resolves when nothing is queued or being reconciled (retries waiting on backoff excluded). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(name: string): void {
    if (name && !this.stopped) this.queue.add(name);
  }

  private setType(name: string, info: FederatedTypeInfo | undefined): void {
    const old = this.types.get(name);
    if (info) this.types.set(name, info);
    else this.types.delete(name);
    if (deepEqual(old ?? null, info ?? null)) return;
    this.log.info({ ftc: name, propagation: info?.propagation }, info ? (old ? 'federated type changed' : 'federated type added') : 'federated type removed');
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.log.error({ err: e }, 'type registry listener failed');
      }
    }
  }

  private async reconcile(name: string): Promise<void> {
    // Read live, not from the cache: a CRD must never be created again for an FTC just deleted.
    const ftc = await this.federation.get(CORE_API_VERSION, 'FederatedTypeConfig', this.namespace, name);
    if (!ftc || ftc.metadata?.deletionTimestamp) {
      this.setType(name, undefined);
      return;
    }
    const info = typeInfoFromConfig(ftc);
    if (!info) {
      this.log.warn({ ftc: name }, 'FederatedTypeConfig is malformed; ignoring it');
      this.setType(name, undefined);
      await this.writeStatus(ftc, false);
      return;
    }
    await this.ensureCrd(info);
    if (this.stopped) return;
    this.setType(name, info);
    await this.writeStatus(ftc, true, info);
  }

  /** Creates the Federated<Kind> CRD when missing and waits until the federation serves it. */
  private async ensureCrd(info: FederatedTypeInfo): Promise<void> {
    const crd = federatedTypeCrd(info.target);
    const existing = await this.federation.get(CRD_API_VERSION, 'CustomResourceDefinition', undefined, crd.metadata!.name!);
    if (!existing) {
      try {
        await this.federation.create(crd, { fieldManager: FIELD_MANAGER });
        this.federation.resetDiscovery();
        this.log.info({ crd: crd.metadata!.name }, 'created federated type CRD');
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    await this.federation.waitServed(info.federated.apiVersion, info.federated.kind, { timeoutMs: this.servedTimeoutMs, stopped: () => this.stopped });
  }

  private async writeStatus(ftc: KObject, valid: boolean, info?: FederatedTypeInfo): Promise<void> {
    const running = valid && info?.propagation === 'Enabled';
    const status = {
      observedGeneration: ftc.metadata?.generation ?? 0,
      propagationController: running ? 'Running' : 'NotRunning',
      statusController: running && ftc.spec?.statusCollection === 'Enabled' ? 'Running' : 'NotRunning',
    };
    const cur = ftc.status ?? {};
    if (cur.observedGeneration === status.observedGeneration && cur.propagationController === status.propagationController && cur.statusController === status.statusController) return;
    try {
      await this.federation.patch(CORE_API_VERSION, 'FederatedTypeConfig', this.namespace, ftc.metadata!.name!, { status }, 'merge', { subresource: 'status', fieldManager: FIELD_MANAGER });
    } catch (e) {
      // Gone meanwhile: the delete event reconciles it again.
      if ((e as { status?: number }).status !== 404) throw e;
    }
  }
}
