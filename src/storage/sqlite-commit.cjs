// @ts-check
/**
 * One group commit: applies write operations in order inside a single transaction, with the
 * compare-and-swap rules of the storage contract, and returns per-op results. Shared by the
 * inline writer and the writer thread (sqlite-writer-thread.cjs), so it is plain CommonJS that
 * both a module and a worker can load.
 */
'use strict';

/** @param {import('better-sqlite3').Database} db */
function prepare(db) {
  return {
    get: db.prepare('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
    upsert: db.prepare('INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev'),
    del: db.prepare('DELETE FROM kv WHERE key = ?'),
    log: db.prepare('INSERT INTO log (rev, key, deleted, value, create_rev, prev_rev) VALUES (?, ?, ?, ?, ?, ?)'),
    setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
  };
}

/**
 * @param {import('better-sqlite3').Database} db
 * @param {ReturnType<typeof prepare>} stmt
 * @param {any[]} ops
 * @param {number} revision the last committed revision
 * @returns {{ results: any[], revision: number }}
 */
function commitBatch(db, stmt, ops, revision) {
  /** @type {any[]} */
  const results = [];
  let rev = revision;
  const run = db.transaction(() => {
    for (const op of ops) {
      const row = /** @type {{ key: string, value: string, create_rev: number, mod_rev: number } | undefined} */ (stmt.get.get(op.key));
      const current = row ? { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev } : undefined;
      if (op.type === 'create') {
        if (current) {
          results.push({ ok: false, reason: 'exists', current });
          continue;
        }
        rev++;
        stmt.upsert.run(op.key, op.value, rev, rev);
        stmt.log.run(rev, op.key, 0, op.value, rev, null);
        results.push({ ok: true, revision: rev, kv: { key: op.key, value: op.value, createRevision: rev, modRevision: rev } });
      } else if (op.type === 'update') {
        if (!current) {
          results.push({ ok: false, reason: 'not-found' });
          continue;
        }
        if (current.modRevision !== op.expectedRevision) {
          results.push({ ok: false, reason: 'conflict', current });
          continue;
        }
        rev++;
        stmt.upsert.run(op.key, op.value, current.createRevision, rev);
        stmt.log.run(rev, op.key, 0, op.value, current.createRevision, current.modRevision);
        results.push({ ok: true, revision: rev, kv: { key: op.key, value: op.value, createRevision: current.createRevision, modRevision: rev }, prev: current });
      } else {
        if (!current) {
          results.push({ ok: false, reason: 'not-found' });
          continue;
        }
        if (op.expectedRevision !== undefined && current.modRevision !== op.expectedRevision) {
          results.push({ ok: false, reason: 'conflict', current });
          continue;
        }
        rev++;
        stmt.del.run(op.key);
        stmt.log.run(rev, op.key, 1, current.value, current.createRevision, current.modRevision);
        results.push({ ok: true, revision: rev, kv: { ...current, modRevision: rev }, prev: current, deleted: true });
      }
    }
    if (rev !== revision) stmt.setMeta.run('revision', rev);
  });
  run();
  return { results, revision: rev };
}

module.exports = { prepare, commitBatch };
