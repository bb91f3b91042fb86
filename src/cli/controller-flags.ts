/**
 * The federation controllers' tuning flags (health probes, failover, leader election, DNS, sync
 * workers) as `kubefed init` and `kubefed controller-manager` both take them, and the one
 * conversion to the controllers' options, with client-go's checks of a leader election config.
 */
import { InvalidArgumentError } from 'commander';
import type { ControllerOptions, LeaderElectionOptions } from '../federation/controllers.js';

/** What those flags parse to. */
export interface ControllerFlags {
  adoptResources: string;
  clusterHealthCheckPeriodSeconds?: number;
  clusterHealthCheckTimeoutSeconds?: number;
  clusterHealthCheckFailureThreshold?: number;
  clusterHealthCheckSuccessThreshold?: number;
  failoverTolerationSeconds?: number;
  failoverSettleSeconds?: number;
  replicasNotReadyAfterSeconds?: number;
  unschedulableAfterSeconds?: number;
  evictionFreezeFraction?: number;
  syncWorkers?: number;
  dnsZoneName?: string;
  dnsTtl?: number;
  leaderElectLeaseDuration?: number;
  leaderElectRenewDeadline?: number;
  leaderElectRetryPeriod?: number;
}

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The controllers' options from their flags; bad combinations name the flag (client-go's leader election checks). */
export function controllerOptionsFromFlags(o: ControllerFlags): Omit<ControllerOptions, 'logger'> {
  if (o.adoptResources !== 'Enabled' && o.adoptResources !== 'Disabled') throw new InvalidArgumentError('--adopt-resources must be Enabled or Disabled');
  const [lease, renew, retry] = [o.leaderElectLeaseDuration ?? 15_000, o.leaderElectRenewDeadline ?? 10_000, o.leaderElectRetryPeriod ?? 2_000];
  if (renew >= lease) throw new InvalidArgumentError(`--leader-elect-renew-deadline (${renew} ms) must be shorter than --leader-elect-lease-duration (${lease} ms)`);
  if (retry * 1.2 >= renew) throw new InvalidArgumentError(`--leader-elect-retry-period (${retry} ms) must be shorter than --leader-elect-renew-deadline (${renew} ms) / 1.2`);
  const ms = (v?: number) => (v === undefined ? undefined : Math.round(v * 1000));
  return {
    adoptResources: o.adoptResources === 'Enabled',
    ...(o.syncWorkers ? { workers: o.syncWorkers } : {}),
    clusterHealth: defined({ probePeriodMs: ms(o.clusterHealthCheckPeriodSeconds), probeTimeoutMs: ms(o.clusterHealthCheckTimeoutSeconds), failureThreshold: o.clusterHealthCheckFailureThreshold, successThreshold: o.clusterHealthCheckSuccessThreshold }),
    ...(o.unschedulableAfterSeconds !== undefined ? { unschedulableAfterMs: ms(o.unschedulableAfterSeconds)! } : {}),
    scheduling: defined({ defaultTolerationSeconds: o.failoverTolerationSeconds, settleMs: ms(o.failoverSettleSeconds), notReadyAfterMs: ms(o.replicasNotReadyAfterSeconds), freezeFraction: o.evictionFreezeFraction }),
    leaderElection: defined({ leaseDurationMs: o.leaderElectLeaseDuration, renewDeadlineMs: o.leaderElectRenewDeadline, retryPeriodMs: o.leaderElectRetryPeriod }) as LeaderElectionOptions,
    ...(o.dnsZoneName ? { dnsZoneName: o.dnsZoneName } : {}),
    ...(o.dnsTtl ? { dnsTtl: o.dnsTtl } : {}),
  };
}

