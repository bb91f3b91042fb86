/**
 * The playground's federation: a control plane next to the simulated clusters, with every
 * cluster joined (as `kubefed join` would) the first time it is seen.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { KubeClient, kubeConfigFor } from '../federation/client/kube-client.js';
import { KUBEFED_API_VERSION } from '../federation/clusters/cluster-controller.js';
import { joinCluster } from '../federation/clusters/join.js';
import { ControlPlane, type ControlPlaneOptions } from '../federation/controlplane.js';
import { KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { mergeKubeconfig } from '../kubeconfig.js';
import type { Playground } from './world.js';

export const FEDERATION_CONTEXT = 'federation';

export type PlaygroundFederationOptions = Partial<Omit<ControlPlaneOptions, 'logger'>>;

/** Starts the control plane (state under `<stateDir>/federation`), joins new clusters and writes context "federation". */
export async function startPlaygroundFederation(pg: Playground, logger: Logger, o: PlaygroundFederationOptions = {}): Promise<ControlPlane> {
  const cp = await ControlPlane.start({ dataDir: join(pg.stateDir, 'federation'), storageSync: 'normal', ...o, logger });
  try {
    await Promise.all(
      [...pg.clusters.values()].map(async (c) => {
        if (await cp.client.get(KUBEFED_API_VERSION, 'KubeFedCluster', KUBEFED_NAMESPACE, c.name)) return;
        const e = c.kubeconfigEntry();
        const member = new KubeClient(kubeConfigFor(c.name, { server: e.server, caPem: e.caPem, certPem: e.clientCertPem!, keyPem: e.clientKeyPem! }));
        try {
          await joinCluster({ federation: cp.client, member, name: c.name, log: logger });
        } finally {
          member.close();
        }
      }),
    );
    mergeKubeconfig(pg.kubeconfig, [cp.kubeconfigEntry(FEDERATION_CONTEXT)], { makeCurrent: true });
    return cp;
  } catch (e) {
    await cp.close();
    throw e;
  }
}
