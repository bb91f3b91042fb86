/**
 * Writes the generated deployment manifests (src/federation/manifests.ts) into
 * deploy/kustomize/base: `npm run manifests`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedManifests } from '../src/federation/manifests.js';

const base = join(import.meta.dirname, '../deploy/kustomize/base');
for (const [file, content] of Object.entries(generatedManifests())) {
  writeFileSync(join(base, file), content);
  process.stdout.write(`wrote deploy/kustomize/base/${file}\n`);
}
