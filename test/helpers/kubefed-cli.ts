/** The built `kubefed` command, run as a user runs it (a child process of bin/kubefed.js). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const KUBEFED_BIN = join(import.meta.dirname, '../../bin/kubefed.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubefed with `args`; `kubeconfig` becomes $KUBECONFIG (empty: none, so flags must say). */
export function runKubefed(args: string[], o: { kubeconfig?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KUBEFED_BIN, ...args],
      { timeout: o.timeoutMs ?? 60_000, env: { ...process.env, KUBECONFIG: o.kubeconfig ?? '', KUBEFED_LOG_LEVEL: 'warn', ...(o.env ?? {}) } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}
