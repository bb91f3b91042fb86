/**
 * Services the playground runs as child processes of the `kubefed` CLI (the federation control
 * plane, the global edge): started with a line on stdout saying they serve, logged when they
 * exit unexpectedly, stopped with SIGTERM (SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

export interface ServiceProcess {
  child: ChildProcess;
  /** The match of the ready pattern on stdout. */
  ready: RegExpExecArray;
  stop(): Promise<void>;
}

export async function spawnService(what: string, cli: string, args: string[], readyPattern: RegExp, logger: Logger, graceMs = 15_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = readyPattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (code ${code}) ${out.trim()}`)));
  });
  child.on('exit', (code, signal) => logger.error({ code, signal }, `${what} exited`));
  const stop = async () => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };
  return { child, ready, stop };
}
