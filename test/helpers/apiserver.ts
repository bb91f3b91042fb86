/** Starts a real API server (HTTPS, SQLite in a temp dir) and writes a kubeconfig for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer, type ApiServerOptions } from '../../src/apiserver/server.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { kubectl, type KubectlResult } from './kubectl.js';

export interface TestServer {
  server: ApiServer;
  dir: string;
  kubeconfig: string;
  url: string;
  kubectl(args: string[], opts?: { input?: string; version?: string; timeoutMs?: number }): Promise<KubectlResult>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const options: ApiServerOptions = { dataDir: join(dir, 'data'), port: 0, storageSync: 'normal', logger: silentLogger(), ...opts };
  let server = await ApiServer.start(options);
  mergeKubeconfig(kubeconfig, [server.kubeconfigEntry('test')]);
  const ts: TestServer = {
    get server() {
      return server;
    },
    dir,
    kubeconfig,
    get url() {
      return server.url;
    },
    kubectl: (args, o = {}) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'kubectl-cache'), ...o }),
    async restart() {
      const port = server.port;
      await server.close();
      server = await ApiServer.start({ ...options, port });
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  } as TestServer;
  return ts;
}

import pino from 'pino';
export function silentLogger() {
  return pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' });
}
