// @ts-check
/**
 * The writer thread: owns the write connection and runs each group commit (with its fsync)
 * off the main event loop, so requests keep being parsed and answered while a batch commits.
 */
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const { prepare, commitBatch } = require('./sqlite-commit.cjs');

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${workerData.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
db.pragma('busy_timeout = 5000');
const stmt = prepare(db);

parentPort?.on('message', (msg) => {
  if (msg.type === 'commit') {
    try {
      const { results, revision } = commitBatch(db, stmt, msg.ops, msg.revision);
      parentPort?.postMessage({ type: 'committed', id: msg.id, results, revision });
    } catch (e) {
      parentPort?.postMessage({ type: 'failed', id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  } else if (msg.type === 'close') {
    db.close();
    parentPort?.postMessage({ type: 'closed' });
  }
});
parentPort?.postMessage({ type: 'ready' });
