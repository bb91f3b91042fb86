/**
 * Address ranges for test clusters. A simulated cluster serves on 127.<octet>.0.0/16, so two
 * clusters of parallel test files must never get the same octet. Each vitest worker slot
 * (VITEST_POOL_ID, 1..TEST_WORKERS) owns its own band of octets; the files a slot runs one after
 * the other reuse its band. Octets 10-18 are `kubefed playground up`'s default plan.
 */
export const TEST_WORKERS = 2;
/** No test cluster ever serves here: an address for "unreachable" tests. */
export const UNUSED_OCTET = 19;
/** For tests that bind an address of their own outside any cluster (one such file at a time). */
export const SCRATCH_OCTET = 20;
const FIRST = 21;
const LAST = 254;
const BAND = Math.floor((LAST - FIRST + 1) / TEST_WORKERS);

const slot = Math.max(0, (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % TEST_WORKERS);
const bandStart = FIRST + slot * BAND;
let next = bandStart;

/** Reserves `count` consecutive octets in this worker's band; returns the first. */
export function reserveOctets(count = 1): number {
  if (count > BAND) throw new Error(`${count} clusters do not fit in a band of ${BAND} octets`);
  if (next + count > bandStart + BAND) next = bandStart;
  const first = next;
  next += count;
  return first;
}

/**
 * This worker's global edge address (127.0.100.1 is the default playground's): edges of
 * parallel test files never share one.
 */
export function edgeAddress(): string {
  return `127.0.100.${slot + 2}`;
}

/** This worker's federation DNS address (127.0.53.1 is the default playground's). */
export function dnsAddress(): string {
  return `127.0.53.${slot + 2}`;
}
