/**
 * The storage and replica flags of `kubefed apiserver` and `kubefed init`: bad combinations are
 * refused before anything starts, naming the flag (the HA control plane itself runs in
 * ha-control-plane.test.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKubefed } from '../helpers/kubefed-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kubefed-storage-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage and replica flags', () => {
  const cert = join(dir, 'client.crt');
  writeFileSync(cert, 'not used');
  const init = ['init', 'fed', '--state-dir', join(dir, 'fed'), '--kubeconfig', join(dir, 'kubeconfig')];
  const cases: [string[], RegExp][] = [
    [['apiserver', '--data-dir', dir, '--storage', 'etcd'], /--storage etcd needs --etcd-servers/],
    [['apiserver', '--data-dir', dir, '--storage', 'mysql'], /--storage must be sqlite or etcd, not "mysql"/],
    [['apiserver', '--data-dir', dir, '--etcd-servers', 'http://127.0.0.1:2379'], /--etcd-servers applies only with --storage etcd/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', '127.0.0.1:2379'], /--etcd-servers: "127.0.0.1:2379" is not a URL/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'etcd-1:2379'], /--etcd-servers: "etcd-1:2379" must be http:\/\/ or https:\/\//],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'http://etcd-1'], /--etcd-servers: "http:\/\/etcd-1" has no port/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'http://a:2379,https://b:2379'], /all http:\/\/ or all https:\/\//],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'http://a:2379', '--etcd-cafile', cert], /need https:\/\/ URLs in --etcd-servers/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'https://a:2379', '--etcd-certfile', cert], /--etcd-certfile needs --etcd-keyfile/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'https://a:2379', '--etcd-cafile', join(dir, 'missing.crt')], /--etcd-cafile: cannot read/],
    [['apiserver', '--data-dir', dir, '--storage', 'etcd', '--etcd-servers', 'http://a:2379', '--etcd-prefix', 'kubefed'], /--etcd-prefix must start with "\/"/],
    [[...init, '--replicas', '2'], /--replicas needs --storage etcd/],
    [[...init, '--replica-id', '1'], /--replica-id needs --storage etcd/],
    [[...init, '--storage', 'etcd', '--etcd-servers', 'http://a:2379', '--replicas', '2', '--foreground'], /with --foreground run one replica per process/],
    [[...init, '--storage', 'etcd', '--etcd-servers', 'http://a:2379', '--replicas', '2', '--replica-id', '1'], /--replica-id names one replica/],
    [[...init, '--storage', 'etcd', '--etcd-servers', 'http://a:2379', '--replica-id', 'B_1'], /--replica-id must be lowercase/],
    [[...init, '--leader-elect-lease-duration', '5s', '--leader-elect-renew-deadline', '5s'], /--leader-elect-renew-deadline \(5000 ms\) must be shorter than --leader-elect-lease-duration/],
    [[...init, '--leader-elect-retry-period', 'soon'], /--leader-elect-retry-period must be a duration/],
  ];
  it.each(cases)('kubefed %j is refused naming the flag', async (args, message) => {
    const r = await runKubefed(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('refuses to start a SQLite state dir on etcd', async () => {
    const stateDir = join(dir, 'sqlite-fed');
    mkdirSync(join(stateDir, 'apiserver'), { recursive: true });
    writeFileSync(join(stateDir, 'apiserver', 'state.db'), '');
    const r = await runKubefed(['init', 'fed', '--state-dir', stateDir, '--kubeconfig', join(dir, 'kubeconfig'), '--storage', 'etcd', '--etcd-servers', 'http://127.0.0.1:2379']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/holds a federation stored in SQLite/);
  });
});
