/**
 * `kubefed edge`: the global ingress edge, a stateless L7 proxy serving the federation's global
 * address. `kubefed edge credentials` writes a kubeconfig with its read-only identity;
 * `kubefed edge status` prints where requests went lately (from a running edge's admin address).
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { writeEdgeKubeconfig } from '../../federation/traffic/edge-credentials.js';
import type { ListenAddress } from '../../traffic/edge/proxy.js';
import type { Split } from '../../traffic/edge/split.js';
import { EdgeService } from '../../traffic/edge-service.js';
import { say, withClient, withTarget } from '../federation-command.js';
import { clientFor, kubeTarget } from '../kube-context.js';

/** `host:port`, `[v6]:port` or `:port`. */
export function listenAddress(v: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new InvalidArgumentError(`"${v}" is not HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const share = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('--capacity-share must be in (0, 1]');
  return n;
};

interface EdgeFlags {
  httpAddress: ListenAddress;
  httpsAddress?: ListenAddress;
  https: boolean;
  adminAddress: ListenAddress;
  geoipDb?: string;
  defaultRegion?: string;
  capacityShare?: number;
  accessLog?: string | boolean;
}

function formatSplit(s: Split): string {
  const rows = [['CLUSTER', 'TIER', 'REQUESTS', 'SHARE'], ...s.rows.map((r) => [r.cluster, r.tier, String(r.requests), `${(r.share * 100).toFixed(1)}%`])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n');
  return `last ${s.seconds} s: ${s.total} requests, ${s.rate.toFixed(1)}/s\n${table}`;
}

export function edgeCommand(): Command {
  const edge = withTarget(new Command('edge'))
    .description('Run the global ingress edge: one address, each request to the closest healthy cluster with capacity')
    .option('--http-address <host:port>', 'HTTP listener', listenAddress, listenAddress('0.0.0.0:80'))
    .option('--https-address <host:port>', 'HTTPS listener (SNI from the Ingresses\' TLS Secrets)', listenAddress)
    .option('--no-https', 'no HTTPS listener')
    .option('--admin-address <host:port>', 'metrics, health and /split', listenAddress, listenAddress('127.0.0.1:9180'))
    .option('--geoip-db <file>', 'a MaxMind-format database locating clients no CIDR entry covers')
    .option('--default-region <region>', 'region assumed for clients located nowhere')
    .option('--capacity-share <fraction>', "this replica's share of declared capacities when N edges run (1/N)", share)
    .option('--access-log [file]', 'one JSON line per request (stdout, or a file)')
    .action(async (o: EdgeFlags, cmd: Command) => {
      const log = pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'info', base: { component: 'edge' } }, pino.destination(2));
      const client = clientFor(kubeTarget(cmd), undefined, { userAgent: 'kubefed-edge' });
      const https = o.https ? (o.httpsAddress ?? { host: o.httpAddress.host, port: 443 }) : undefined;
      const svc = await EdgeService.start({
        client,
        log,
        http: o.httpAddress,
        ...(https ? { https } : {}),
        admin: o.adminAddress,
        ...(o.geoipDb ? { geoDatabase: o.geoipDb } : {}),
        ...(o.defaultRegion ? { defaultRegion: o.defaultRegion } : {}),
        ...(o.capacityShare ? { capacityShare: o.capacityShare } : {}),
        ...(o.accessLog !== undefined ? { accessLog: o.accessLog === true ? true : String(o.accessLog) } : {}),
      });
      const p = svc.proxy;
      say(`edge serving: http ${o.httpAddress.host}:${p.httpPort}${https ? `, https ${https.host}:${p.httpsPort}` : ''}; admin http://${o.adminAddress.host}:${p.adminPort}`);
      const stop = async () => {
        await svc.close();
        client.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
  withTarget(edge.command('credentials'))
    .description("Write a kubeconfig with the edge's read-only identity (the kubefed-edge ServiceAccount's token)")
    .requiredOption('-o, --output <file>', 'kubeconfig file to write (context kubefed-edge)')
    .action(async (o: { output: string }, cmd: Command) => {
      await withClient(cmd, (client) => writeEdgeKubeconfig(client, o.output));
      say(`wrote ${o.output} (context kubefed-edge)`);
    });
  edge
    .command('status')
    .description("Where requests went lately, from a running edge's admin address")
    .option('--admin-address <host:port>', 'the edge\'s admin address', listenAddress, listenAddress('127.0.0.1:9180'))
    .option('--seconds <n>', 'window', '10')
    .action(async (o: { adminAddress: ListenAddress; seconds: string }) => {
      const host = o.adminAddress.host === '0.0.0.0' ? '127.0.0.1' : o.adminAddress.host;
      const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${o.adminAddress.port}/split?seconds=${encodeURIComponent(o.seconds)}`);
      if (!res.ok) throw new Error(`the edge's admin address answered ${res.status}`);
      say(formatSplit((await res.json()) as Split));
    });
  return edge;
}
