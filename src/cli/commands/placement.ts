/**
 * `kubefed placement TYPE NAME`: where a workload's replicas go and why, per cluster, as the
 * scheduler last decided (from the object's PropagationRecord): the replicas the plan gives each
 * cluster, how many were ready there, the reason, and the propagation status.
 */
import { Command } from 'commander';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../../federation/crds/federation-crds.js';
import { recordName, type ClusterRecord } from '../../federation/propagation/records.js';
import { listTypeConfigs } from '../../federation/typeconfig/enablement.js';
import { discoverTypes, pickType, qualifiedName } from '../../federation/typeconfig/type-resolution.js';
import { TYPES_GROUP } from '../../federation/crds/federation-crds.js';
import { contextNamespace, say, withClient, withKubefedNamespace, withTarget } from '../federation-command.js';

export function formatPlacement(records: ClusterRecord[]): string {
  const rows = [['CLUSTER', 'REPLICAS', 'READY', 'REASON', 'PROPAGATION'], ...records.map((r) => [r.name, r.replicas === undefined ? '-' : String(r.replicas), r.readyReplicas === undefined ? '-' : String(r.readyReplicas), r.reason ?? '-', r.status])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n');
}

export function placementCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('placement')))
    .description('Show where a workload\'s replicas go and why, per cluster (e.g. kubefed placement deployment web)')
    .argument('<type>', 'the workload type: deployment, replicaset, statefulset, or a Federated<Kind>')
    .argument('<name>', 'the workload')
    .option('-n, --namespace <ns>', 'namespace of the workload')
    .action(async (type: string, name: string, o: { namespace?: string; kubefedNamespace: string }, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const t = pickType(type, await discoverTypes(client), 'the federation API serves no such type');
        const configs = await listTypeConfigs(client, o.kubefedNamespace);
        const entry = configs.find((c) => (t.group === TYPES_GROUP ? c.info.federated.kind === t.kind : c.info.target.group === t.group && c.info.target.kind === t.kind));
        if (!entry) throw new Error(`${qualifiedName(t.plural, t.group)} is not a federated type`);
        const ns = o.namespace ?? contextNamespace(client);
        const rec = await client.get(CORE_API_VERSION, 'PropagationRecord', o.kubefedNamespace ?? KUBEFED_NAMESPACE, recordName(entry.info, entry.info.target.namespaced ? ns : '', name));
        if (!rec) throw new Error(`no placement recorded for ${qualifiedName(t.plural, t.group)} "${name}"${entry.info.target.namespaced ? ` in namespace "${ns}"` : ''} (not propagated yet, or not federated)`);
        say(formatPlacement(((rec.clusters ?? []) as ClusterRecord[]).slice().sort((a, b) => a.name.localeCompare(b.name))));
      });
    });
}
