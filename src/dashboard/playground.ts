/**
 * The dashboard `kubefed playground up` runs: the playground's kubeconfig and federation
 * context, its faults through the control API, its edge's admin address. A taken port is no
 * reason to fail the playground: the dashboard then takes any free port (the URL says which).
 */
import type { Logger } from 'pino';
import { FEDERATION_CONTEXT, PLAYGROUND_EDGE_ADMIN_PORT } from '../playground/federate.js';
import type { Playground } from '../playground/world.js';
import { DashboardServer } from './server.js';

export async function startPlaygroundDashboard(pg: Playground, address: string, edgeAddress: string | undefined, logger: Logger): Promise<DashboardServer> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  if (!m) throw new Error(`--dashboard-address: "${address}" is not HOST:PORT`);
  const host = m[1] ?? m[2]!;
  const base = { kubeconfig: pg.kubeconfig, context: FEDERATION_CONTEXT, host, playgroundStateDir: pg.stateDir, ...(edgeAddress ? { edgeAdmin: `${edgeAddress}:${PLAYGROUND_EDGE_ADMIN_PORT}` } : {}), logger };
  try {
    return await DashboardServer.start({ ...base, port: Number(m[3]) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return DashboardServer.start({ ...base, port: 0 });
  }
}
