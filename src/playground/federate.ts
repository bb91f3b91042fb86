/**
 * The playground's federation: a control plane next to the simulated clusters, with every
 * cluster joined (as `kubefed join` would) the first time it is seen. `kubefed playground up`
 * runs the control plane as a child process (`kubefed init federation --foreground`), so that
 * members and federation use both cores and a crash of one leaves the other; tests may run it
 * in-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { KubeClient, kubeConfigFor } from '../federation/client/kube-client.js';
import { joinCluster } from '../federation/clusters/join.js';
import { ControlPlane, type ControlPlaneOptions } from '../federation/controlplane.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { mergeKubeconfig } from '../kubeconfig.js';
import { applyPlaygroundTrafficSettings } from './traffic-settings.js';
import type { Playground } from './world.js';

export const FEDERATION_CONTEXT = 'federation';

export type PlaygroundFederationOptions = Partial<Omit<ControlPlaneOptions, 'logger'>>;

/** Joins every playground cluster not yet joined to the federation, and says where its clients are. */
export async function joinPlaygroundClusters(federation: KubeClient, pg: Playground, logger: Logger): Promise<void> {
  await applyPlaygroundTrafficSettings(federation, [...pg.clusters.values()].map((c) => c.spec));
  await Promise.all(
    [...pg.clusters.values()].map(async (c) => {
      if (await federation.get(CORE_API_VERSION, 'KubeFedCluster', KUBEFED_NAMESPACE, c.name)) return;
      const e = c.kubeconfigEntry();
      const member = new KubeClient(kubeConfigFor(c.name, { server: e.server, caPem: e.caPem, certPem: e.clientCertPem!, keyPem: e.clientKeyPem! }));
      try {
        await joinCluster({ federation, member, name: c.name, log: logger });
      } finally {
        member.close();
      }
    }),
  );
}

/** In-process: starts the control plane (state under `<stateDir>/federation`), joins new clusters and writes context "federation". */
export async function startPlaygroundFederation(pg: Playground, logger: Logger, o: PlaygroundFederationOptions = {}): Promise<ControlPlane> {
  const cp = await ControlPlane.start({ dataDir: join(pg.stateDir, 'federation'), storageSync: 'normal', ...o, logger });
  try {
    await joinPlaygroundClusters(cp.client, pg, logger);
    mergeKubeconfig(pg.kubeconfig, [cp.kubeconfigEntry(FEDERATION_CONTEXT)], { makeCurrent: true });
    return cp;
  } catch (e) {
    await cp.close();
    throw e;
  }
}

export interface FederationProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** As a child process of the `kubefed` CLI at `cli`: resolves once it serves and every cluster is joined; "federation" is the current context, as in-process. */
export async function spawnPlaygroundFederation(pg: Playground, logger: Logger, cli: string): Promise<FederationProcess> {
  const child = spawn(process.execPath, [cli, 'init', FEDERATION_CONTEXT, '--foreground', '--state-dir', join(pg.stateDir, 'federation'), '--kubeconfig', pg.kubeconfig, '--make-current', '--storage-sync', 'normal'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving at (\S+);/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the federation control plane exited (code ${code}) ${out.trim()}`)));
  });
  child.on('exit', (code, signal) => logger.error({ code, signal }, 'the federation control plane exited'));
  const stop = async () => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const client = KubeClient.fromKubeconfig(pg.kubeconfig, FEDERATION_CONTEXT);
  try {
    await joinPlaygroundClusters(client, pg, logger);
  } catch (e) {
    await stop();
    throw e;
  } finally {
    client.close();
  }
  return { url, child, stop };
}
