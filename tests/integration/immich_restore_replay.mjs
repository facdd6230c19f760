// Replays the restore half of Immich's own "restore from backup" (Immich 3.x,
// server/src/utils/database-backups.ts, restoreDatabaseBackup) on one file, with Node's own
// gunzip as Immich uses it, so a test can check that Immich would restore our gzip files.
//
//   node immich_restore_replay.mjs FILE DBNAME
//
// Steps, as Immich takes them:
//  1. the name must pass its backup-name check; a "-v<version>-" in it at or below 2.4
//     would make Immich treat the file as a pg_dumpall script (we report that as a failure:
//     our files must never be read that way);
//  2. Node's zlib gunzip decodes the file (all members);
//  3. the stream is prefixed with Immich's two statement blocks (end the other sessions of
//     the database; drop and re-create the public schema and grant it to postgres and
//     public) and piped into
//     psql --dbname DB --single-transaction --set ON_ERROR_STOP=on --echo-all --output=/dev/null
// Connection settings come from the PG* environment (Immich passes its own).
// Exit status: psql's, or 2 for a name Immich would refuse or misread.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [file, dbname] = process.argv.slice(2);
const name = basename(file);
if (!/^[\d\w-.]+\.sql(?:\.gz)?$/.test(name)) {
  console.error(`Immich refuses the name ${name}`);
  process.exit(2);
}
if (/^immich-db-backup-\d+\.sql\.gz$/.test(name) || /^immich-db-backup-\d{8}T\d{6}-v.*-pg.*\.sql\.gz$/.test(name)) {
  console.error(`Immich would take ${name} for one of its own routine backups (and delete it in its cleanup)`);
  process.exit(2);
}
const version = /-v(.*)-/.exec(name)?.[1];
if (version !== undefined) {
  console.error(`Immich reads a version "${version}" out of ${name}`);
  process.exit(2);
}

const endSessions = `
  SELECT pg_terminate_backend(pid)
  FROM pg_stat_activity
  WHERE datname = current_database()
    AND pid <> pg_backend_pid();
`;
const resetSchema = `
  DROP SCHEMA public CASCADE;
  CREATE SCHEMA public;

  GRANT ALL ON SCHEMA public TO postgres;
  GRANT ALL ON SCHEMA public TO public;
`;

async function* script(input) {
  yield endSessions;
  yield resetSchema;
  for await (const chunk of input) yield chunk;
}

const input = name.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
const psql = spawn(
  'psql',
  ['--dbname', dbname, '--single-transaction', '--set', 'ON_ERROR_STOP=on', '--echo-all', '--output=/dev/null'],
  { stdio: ['pipe', 'ignore', 'pipe'] },
);
let stderr = '';
psql.stderr.on('data', (d) => (stderr += d));
const exited = new Promise((resolve) => psql.on('close', (code) => resolve(code)));
try {
  await pipeline(Readable.from(script(input)), psql.stdin);
} catch (e) {
  console.error(`feeding psql failed: ${e.message}`);
}
const code = await exited;
if (stderr) process.stderr.write(stderr);
process.exit(code ?? 1);
