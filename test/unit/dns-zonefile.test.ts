/** The master-file rendering, checked by BIND's own zone checker when it is installed. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presentName, presentString, renderZoneFile } from '../../src/dns/zonefile.js';
import { exampleZone } from './dns-fixtures.js';

const hasChecker = (() => {
  try {
    execFileSync('named-checkzone', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('renderZoneFile', () => {
  it('writes absolute names, escapes and every record', () => {
    expect(presentName('')).toBe('.');
    expect(presentName('a;b.example.com')).toBe('a\\;b.example.com.');
    expect(presentString('say "hi" \\ \u00e9\n')).toBe('"say \\"hi\\" \\\\ \\195\\169\\010"');
    const text = renderZoneFile(exampleZone());
    expect(text).toContain('$ORIGIN example.com.\n');
    expect(text).toContain('example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 1 3600 600 86400 30\n');
    expect(text).toContain('_http._tcp.web.example.com.\t5\tIN\tSRV\t0 10 80 web-0.web.example.com.\n');
    expect(text).toContain('txt.example.com.\t5\tIN\tTXT\t"hello" "world"\n');
    expect(text).toContain('alias.example.com.\t5\tIN\tCNAME\twww.example.com.\n');
  });

  it.skipIf(!hasChecker)('is a zone BIND loads, with the same number of records', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubefed-zone-'));
    try {
      const file = join(dir, 'example.com.zone');
      writeFileSync(file, renderZoneFile(exampleZone()));
      const out = execFileSync('named-checkzone', ['-D', '-o', '-', 'example.com', file], { encoding: 'utf8' });
      const records = out.split('\n').filter((l) => l && !l.startsWith(';'));
      const ours = renderZoneFile(exampleZone()).split('\n').filter((l) => l && !l.startsWith('$'));
      expect(records.length).toBe(ours.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
