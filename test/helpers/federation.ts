/**
 * A federation test bed: a federation API server (with the federation CRDs, the
 * kube-federation-system namespace, the default FederatedTypeConfigs and their Federated<Kind>
 * CRDs installed), a small playground of simulated member clusters, clients for all of them,
 * and simple registries so a controller can be tested before the real ones are wired together.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ApiServer } from '../../src/apiserver/server.js';
import { KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import type { FederationContext, MemberCluster, MemberRegistry, TypeRegistry } from '../../src/federation/context.js';
import { federatedTypeCrd } from '../../src/federation/crds/federation-crds.js';
import { installFederation } from '../../src/federation/install.js';
import { DEFAULT_TARGET_TYPES, typeInfo, type FederatedTypeInfo } from '../../src/federation/types.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { defaultTopology } from '../../src/playground/topology.js';
import { Playground } from '../../src/playground/world.js';
import { silentLogger } from './apiserver.js';
import { reserveOctets } from './octets.js';

export interface FederationBed {
  dir: string;
  fed: ApiServer;
  fedClient: KubeClient;
  playground: Playground;
  /** Admin clients of the member clusters. */
  memberClients: Map<string, KubeClient>;
  /** kubeconfig with context "federation" and one context per member. */
  kubeconfig: string;
  members: StaticMembers;
  types: StaticTypes;
  context(): FederationContext;
  stop(): Promise<void>;
}

/** Members as given (all Ready unless changed), for tests that run without the cluster controller. */
export class StaticMembers implements MemberRegistry {
  private readonly clusters = new Map<string, MemberCluster>();
  private readonly listeners = new Set<(c: string) => void>();
  set(c: MemberCluster): void {
    this.clusters.set(c.name, c);
    for (const l of this.listeners) l(c.name);
  }
  remove(name: string): void {
    this.clusters.delete(name);
    for (const l of this.listeners) l(name);
  }
  setPhase(name: string, phase: MemberCluster['phase']): void {
    const c = this.clusters.get(name);
    if (c) this.set({ ...c, phase });
  }
  list(): MemberCluster[] {
    return [...this.clusters.values()];
  }
  get(name: string): MemberCluster | undefined {
    return this.clusters.get(name);
  }
  onChange(fn: (c: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export class StaticTypes implements TypeRegistry {
  private readonly listeners = new Set<() => void>();
  constructor(private readonly types: FederatedTypeInfo[] = DEFAULT_TARGET_TYPES.map((t) => typeInfo(t))) {}
  list(): FederatedTypeInfo[] {
    return this.types;
  }
  add(t: FederatedTypeInfo): void {
    this.types.push(t);
    for (const l of this.listeners) l();
  }
  byTarget(apiVersion: string, kind: string): FederatedTypeInfo | undefined {
    return this.types.find((t) => t.target.apiVersion === apiVersion && t.target.kind === kind);
  }
  byFederatedKind(kind: string): FederatedTypeInfo | undefined {
    return this.types.find((t) => t.federated.kind === kind);
  }
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** Installs CRDs, the system namespace, the default FederatedTypeConfigs and (as the type-config controller would) their Federated<Kind> CRDs. */
export async function installFederationTypes(client: KubeClient): Promise<void> {
  await installFederation(client, {}, DEFAULT_TARGET_TYPES.map(federatedTypeCrd));
}

/** A federation API and `clusters` simulated members (octets from `firstOctet`). */
export async function startFederationBed(opts: { clusters?: number; firstOctet?: number; timing?: Record<string, number> } = {}): Promise<FederationBed> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-fed-'));
  const log = silentLogger();
  const fed = await ApiServer.start({ dataDir: join(dir, 'federation'), port: 0, storageSync: 'normal', logger: log });
  const fedClient = new KubeClient(kubeConfigFor('federation', { server: fed.url, caPem: fed.caPem, certPem: fed.adminCredentials.certPem, keyPem: fed.adminCredentials.keyPem }));
  await installFederationTypes(fedClient);
  const topology = defaultTopology(opts.clusters ?? 2, 2, { cpu: '4', memory: '8Gi', pods: 50 }, opts.firstOctet ?? reserveOctets(opts.clusters ?? 2));
  topology.timing = { nodeHeartbeatMs: 300, nodeMonitorGraceMs: 1500, readinessDelayMs: 100, ...(opts.timing ?? {}) };
  const playground = await Playground.up({ stateDir: join(dir, 'playground'), topology, logger: log });
  const kubeconfig = join(dir, 'kubeconfig');
  mergeKubeconfig(kubeconfig, [fed.kubeconfigEntry('federation'), ...[...playground.clusters.values()].map((c) => c.kubeconfigEntry())], { makeCurrent: true });
  const memberClients = new Map<string, KubeClient>();
  const members = new StaticMembers();
  for (const c of playground.clusters.values()) {
    const e = c.kubeconfigEntry();
    const client = new KubeClient(kubeConfigFor(c.name, { server: e.server, caPem: e.caPem, certPem: e.clientCertPem!, keyPem: e.clientKeyPem! }));
    memberClients.set(c.name, client);
    members.set({ name: c.name, labels: { region: c.spec.region, zone: c.spec.zones[0]! }, region: c.spec.region, zones: c.spec.zones, phase: 'Ready', client });
  }
  const types = new StaticTypes();
  return {
    dir,
    fed,
    fedClient,
    playground,
    memberClients,
    kubeconfig,
    members,
    types,
    context: () => ({ federation: fedClient, members, types, log: pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' }), fieldManager: 'kubefed-controller-manager' }),
    async stop() {
      fedClient.close();
      for (const c of memberClients.values()) c.close();
      await playground.down();
      await fed.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The names `kubefed join` gives what it creates in a member, as docs/federation-design.md states
 * them (written out here, not taken from src, so that tests check them): the ServiceAccount
 * `<cluster>-kubefed`, the ClusterRole and ClusterRoleBinding `kubefed-controller-manager-<cluster>`.
 */
export const memberServiceAccount = (cluster: string) => `${cluster}-kubefed`;
export const memberRole = (cluster: string) => `kubefed-controller-manager-${cluster}`;
