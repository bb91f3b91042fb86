/** Runs the real kubectl binaries installed on the machine (kubectl on PATH and kubectl.1.NN beside it). */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

let kubectlDir: string | undefined;

/** Path of `kubectl` (version undefined) or `kubectl.<version>` (e.g. "1.27"). */
export function kubectlPath(version?: string): string {
  if (!version) return 'kubectl';
  if (!kubectlDir) {
    const onPath = execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim();
    kubectlDir = dirname(realpathSync(onPath));
  }
  const p = join(kubectlDir, `kubectl.${version}`);
  if (!existsSync(p)) throw new Error(`kubectl ${version} is not installed at ${p}`);
  return p;
}

export function kubectl(args: string[], opts: { input?: string; version?: string; timeoutMs?: number; cacheDir?: string } = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectlPath(opts.version),
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KUBECACHEDIR: opts.cacheDir ?? join(process.env.TMPDIR ?? '/tmp', 'kubefed-kubectl-cache') } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
