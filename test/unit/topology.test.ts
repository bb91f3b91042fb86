import { describe, expect, it } from 'vitest';
import { defaultTopology, parseTopology } from '../../src/playground/topology.js';

describe('default topology', () => {
  it('is the seed walkthrough: nine clusters, three regions, three zones each', () => {
    const t = defaultTopology();
    expect(t.clusters.map((c) => c.name).sort()).toEqual([
      'gce-asia-east1-a',
      'gce-asia-east1-b',
      'gce-asia-east1-c',
      'gce-europe-west1-b',
      'gce-europe-west1-c',
      'gce-europe-west1-d',
      'gce-us-central1-a',
      'gce-us-central1-b',
      'gce-us-central1-c',
    ]);
    const c = t.clusters.find((x) => x.name === 'gce-asia-east1-a')!;
    expect(c).toMatchObject({ region: 'asia-east1', zones: ['asia-east1-a'] });
    expect(c.nodes.map((n) => [n.name, n.zone, n.index])).toEqual([
      ['gce-asia-east1-a-node-0', 'asia-east1-a', 0],
      ['gce-asia-east1-a-node-1', 'asia-east1-a', 1],
      ['gce-asia-east1-a-node-2', 'asia-east1-a', 2],
    ]);
    expect(new Set(t.clusters.map((x) => x.octet)).size).toBe(9);
  });

  it.each([
    [1, ['gce-us-central1-a']],
    [2, ['gce-us-central1-a', 'gce-europe-west1-b']],
    [4, ['gce-us-central1-a', 'gce-europe-west1-b', 'gce-asia-east1-a', 'gce-us-central1-b']],
  ])('spreads %i clusters over regions first', (n, names) => {
    expect(defaultTopology(n).clusters.map((c) => c.name)).toEqual(names);
  });

  it('names 50 clusters uniquely, with distinct address slices and 10 nodes each', () => {
    const t = defaultTopology(50, 10);
    expect(new Set(t.clusters.map((c) => c.name)).size).toBe(50);
    expect(new Set(t.clusters.map((c) => c.octet)).size).toBe(50);
    expect(t.clusters.every((c) => c.nodes.length === 10)).toBe(true);
    expect(t.clusters.some((c) => c.name.endsWith('-2'))).toBe(true);
  });

  it.each([0, -1, 1.5, 241])('refuses %s clusters', (n) => {
    expect(() => defaultTopology(n)).toThrow(/--clusters/);
  });
});

describe('topology files', () => {
  it('reads clusters with zones, node counts, node lists and capacity', () => {
    const t = parseTopology({
      clusters: [
        { name: 'earth', region: 'sol', zones: ['sol-a', 'sol-b'], nodes: 4, nodeCapacity: { cpu: '2', memory: '4Gi', pods: 20 } },
        { name: 'vulcan', region: 'eridani', nodes: [{ name: 'big', capacity: { cpu: '64' } }, { labels: { gpu: 'yes' } }] },
      ],
      timing: { readinessDelayMs: 10 },
    });
    const earth = t.clusters[0]!;
    expect(earth.nodes.map((n) => n.zone)).toEqual(['sol-a', 'sol-b', 'sol-a', 'sol-b']);
    expect(earth.nodes[0]!.capacity).toEqual({ cpu: '2', memory: '4Gi', pods: 20 });
    const vulcan = t.clusters[1]!;
    expect(vulcan.zones).toEqual(['eridani-a']);
    expect(vulcan.nodes.map((n) => [n.name, n.capacity.cpu, n.labels])).toEqual([
      ['big', '64', undefined],
      ['vulcan-node-1', '4', { gpu: 'yes' }],
    ]);
    expect(t.timing).toEqual({ readinessDelayMs: 10 });
  });

  it.each([
    [{}, 'expected a "clusters" list'],
    [{ clusters: [] }, '"clusters" is empty'],
    [{ clusters: [{ region: 'r' }] }, 'clusters[0].name must be a DNS label'],
    [{ clusters: [{ name: 'Bad_Name', region: 'r' }] }, 'clusters[0].name must be a DNS label'],
    [{ clusters: [{ name: 'a', region: 'r' }, { name: 'a', region: 'r' }] }, 'clusters[1].name "a" is used twice'],
    [{ clusters: [{ name: 'a' }] }, 'clusters[0].region must be a DNS label'],
    [{ clusters: [{ name: 'a', region: 'r', zones: [] }] }, 'clusters[0].zones must be a list of DNS labels'],
    [{ clusters: [{ name: 'a', region: 'r', nodes: 0 }] }, 'clusters[0].nodes must be 1 to 100'],
    [{ clusters: [{ name: 'a', region: 'r', nodes: 'many' }] }, 'clusters[0].nodes must be a number or a list of nodes'],
    [{ clusters: [{ name: 'a', region: 'r', nodes: [{ zone: 'elsewhere' }] }] }, "clusters[0].nodes[0].zone must be one of the cluster's zones"],
    [{ clusters: [{ name: 'a', region: 'r', nodeCapacity: { cpu: 'lots' } }] }, 'clusters[0].nodeCapacity.cpu must be a CPU quantity'],
    [{ clusters: [{ name: 'a', region: 'r', nodeCapacity: { memory: '16 GB' } }] }, 'clusters[0].nodeCapacity.memory must be a memory quantity'],
    [{ clusters: [{ name: 'a', region: 'r', nodeCapacity: { pods: 0 } }] }, 'clusters[0].nodeCapacity.pods must be a positive integer'],
  ])('rejects %j: %s', (doc, message) => {
    expect(() => parseTopology(doc, 'world.yaml')).toThrow(`world.yaml: ${message}`);
  });
});
