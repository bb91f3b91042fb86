/**
 * `kubefed dashboard`: the web dashboard on localhost, acting with the kubeconfig's credentials
 * (src/dashboard/server.ts). It opens no browser; it prints its URL.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { DashboardServer } from '../../dashboard/server.js';
import { controlRequest } from '../../playground/control.js';
import { FEDERATION_CONTEXT, PLAYGROUND_EDGE_ADMIN_PORT } from '../../playground/federate.js';
import { say, withTarget } from '../federation-command.js';
import { kubeTarget } from '../kube-context.js';
import { DEFAULT_STATE_DIR } from './playground.js';
import { listenAddress } from './edge.js';

export const DEFAULT_DASHBOARD_PORT = 8070;

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be a port number (0: any free port)');
  return n;
};

interface DashboardFlags {
  address: string;
  port: number;
  playground?: string | boolean;
  edgeAdminAddress?: { host: string; port: number };
}

export function dashboardCommand(): Command {
  return withTarget(new Command('dashboard'))
    .description('Serve the web dashboard on localhost: the federation at a glance, with your kubeconfig\'s credentials (RBAC applies)')
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', `port to listen on (0: any free port)`, port, DEFAULT_DASHBOARD_PORT)
    .option('--playground [state-dir]', `a running playground: its faults become actions, its edge feeds the Traffic view (default state dir ${DEFAULT_STATE_DIR})`)
    .option('--edge-admin-address <host:port>', "the global edge's admin address (its live traffic split)", listenAddress)
    .action(async (o: DashboardFlags, cmd: Command) => {
      const target = kubeTarget(cmd);
      const explicitKubeconfig = (cmd.optsWithGlobals() as { kubeconfig?: string }).kubeconfig !== undefined || !!process.env.KUBECONFIG;
      let kubeconfig = target.kubeconfig;
      let context = target.context;
      let playgroundStateDir: string | undefined;
      let edgeAdmin = o.edgeAdminAddress ? `${o.edgeAdminAddress.host}:${o.edgeAdminAddress.port}` : undefined;
      if (o.playground) {
        playgroundStateDir = resolve(typeof o.playground === 'string' ? o.playground : DEFAULT_STATE_DIR);
        const st = await controlRequest(playgroundStateDir, 'GET', '/status');
        if (!explicitKubeconfig) {
          kubeconfig = st.kubeconfig;
          context ??= FEDERATION_CONTEXT;
        }
        if (!edgeAdmin && st.edge) edgeAdmin = `${st.edge}:${PLAYGROUND_EDGE_ADMIN_PORT}`;
      }
      const logger = pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'warn', base: { component: 'dashboard' } }, pino.destination(2));
      const d = await DashboardServer.start({ kubeconfig, ...(context ? { context } : {}), host: o.address, port: o.port, ...(playgroundStateDir ? { playgroundStateDir } : {}), ...(edgeAdmin ? { edgeAdmin } : {}), logger });
      say(`dashboard serving at ${d.url} (kubeconfig ${kubeconfig}${context ? `, context "${context}"` : ''})`);
      const stop = () => void d.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
