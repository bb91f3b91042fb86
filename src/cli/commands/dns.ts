/**
 * `kubefed dns`: the federation's authoritative DNS server for its service names
 * (`<svc>.<ns>.<federation>.svc.[<zone>.<region>.]<domain>`), UDP and TCP.
 * `kubefed dns records`: what it serves now, as a master file.
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { federationZone } from '../../dns/federation-records.js';
import { dnsSettingsFrom } from '../../dns/federation-source.js';
import { DnsService } from '../../dns/dns-service.js';
import { renderZoneFile } from '../../dns/zonefile.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../../federation/crds/federation-crds.js';
import { FEDERATION_CONFIG_MAP } from '../../federation/install.js';
import { say, withClient, withTarget } from '../federation-command.js';
import { clientFor, kubeTarget } from '../kube-context.js';
import { listenAddress } from './edge.js';

/** `NAME=IP[,IP]`: a name server announced in the zone, with its addresses for glue. */
function nameServer(v: string, prev: { name: string; addresses: string[] }[] = []): { name: string; addresses: string[] }[] {
  const [name, ips = ''] = v.split('=');
  if (!name) throw new InvalidArgumentError(`"${v}" is not NAME[=IP,...]`);
  return [...prev, { name, addresses: ips.split(',').filter(Boolean) }];
}

export function dnsCommand(): Command {
  const dns = withTarget(new Command('dns'))
    .description("Serve the federation's service DNS names (authoritative, UDP and TCP)")
    .option('--address <host:port>', 'UDP and TCP listener', listenAddress, listenAddress('0.0.0.0:53'))
    .option('--name-server <name=ip>', 'a name server of the zone, for its NS records and glue (repeatable; default ns1.<zone>)', nameServer)
    .action(async (o: { address: { host: string; port: number }; nameServer?: { name: string; addresses: string[] }[] }, cmd: Command) => {
      const log = pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'info', base: { component: 'dns' } }, pino.destination(2));
      const client = clientFor(kubeTarget(cmd), undefined, { userAgent: 'kubefed-dns' });
      const svc = await DnsService.start({ client, log, udp: o.address, tcp: o.address, ...(o.nameServer ? { nameServers: o.nameServer } : {}) });
      const zone = svc.source.current();
      say(`dns serving on ${o.address.host}:${svc.server.udpPort} (udp, tcp)${zone ? `; zone ${zone.origin}` : '; no DNS zone configured at the federation (kubefed init --dns-zone-name)'}`);
      const stop = async () => {
        await svc.close();
        client.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
  withTarget(dns.command('records'))
    .description('Print the zone the federation serves now, as a master file')
    .action(async (_o: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const cm = await client.get('v1', 'ConfigMap', KUBEFED_NAMESPACE, FEDERATION_CONFIG_MAP);
        const settings = dnsSettingsFrom(cm);
        if (!settings) throw new Error('no DNS zone is configured at the federation (kubefed init NAME --dns-zone-name DOMAIN)');
        const [services, slices, clusters] = await Promise.all([
          client.list('v1', 'Service'),
          client.list('discovery.k8s.io/v1', 'EndpointSlice', { labelSelector: 'multicluster.kubernetes.io/service-name' }),
          client.list(CORE_API_VERSION, 'Cluster'),
        ]);
        process.stdout.write(renderZoneFile(federationZone({ settings, services: services.items, slices: slices.items, clusters: clusters.items })));
      });
    });
  return dns;
}
