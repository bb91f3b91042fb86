import { defineConfig } from 'vitest/config';
import { TEST_WORKERS } from './test/helpers/octets.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers and real kubectl processes; the machine has 2 cores.
    pool: 'forks',
    // Each worker slot gets its own addresses (test/helpers/octets.ts).
    poolOptions: { forks: { maxForks: TEST_WORKERS, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
