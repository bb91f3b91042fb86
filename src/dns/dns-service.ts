/**
 * `kubefed dns` as a service: the federation's zone (FederationDnsSource, read-only) served by
 * the authoritative DnsServer, swapped in as it changes. Stateless: run several (the zone's NS
 * records name them).
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../federation/client/kube-client.js';
import { FederationDnsSource } from './federation-source.js';
import type { FederationDnsSettings } from './federation-records.js';
import { DnsServer, type ListenAddress } from './server.js';

export interface DnsServiceOptions {
  client: KubeClient;
  log: Logger;
  udp?: ListenAddress;
  tcp?: ListenAddress;
  /** Name servers announced in the zone's NS records (default ns1.<zone>). */
  nameServers?: FederationDnsSettings['nameServers'];
}

export class DnsService {
  private constructor(
    readonly server: DnsServer,
    readonly source: FederationDnsSource,
  ) {}

  static async start(o: DnsServiceOptions): Promise<DnsService> {
    const server = await DnsServer.start({ ...(o.udp ? { udp: o.udp } : {}), ...(o.tcp ? { tcp: o.tcp } : {}), logger: o.log });
    const source = new FederationDnsSource({ client: o.client, log: o.log, ...(o.nameServers ? { settings: { nameServers: o.nameServers } } : {}) });
    try {
      await source.start();
    } catch (e) {
      await server.close();
      throw e;
    }
    source.onZone((zone) => server.setZones({ zones: zone ? [zone] : [] }));
    return new DnsService(server, source);
  }

  async close(): Promise<void> {
    await this.source.stop();
    await this.server.close();
  }
}
