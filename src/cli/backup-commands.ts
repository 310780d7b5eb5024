// `openpsso backup`, `openpsso restore` and `openpsso keys rotate-master` (docs/backup.md).

import { join } from 'node:path';
import type { Command } from 'commander';
import { configFrom, withContext, type GlobalOptions } from './context-from-options.js';
import type { Config } from '../config/schema.js';
import { createBackup } from '../app/backup.js';
import { restoreBackup } from '../app/restore.js';
import { rotateMasterKey } from '../app/master-key-rotation.js';
import { PssoError } from '../errors/psso-error.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

/** The commands docs/backup.md documents and test/e2e/postgres-backup.test.ts runs. */
export function pgDumpCommand(config: Extract<Config['database'], { kind: 'postgres' }>): string {
  const schema = config.schema ? ` --schema=${config.schema}` : '';
  return `pg_dump --format=custom --no-owner --no-privileges${schema} --file=openpsso.dump '${config.url}'`;
}

function refusePostgres(config: Config, what: 'backup' | 'restore'): void {
  if (config.database.kind !== 'postgres') return;
  const line = what === 'backup'
    ? pgDumpCommand(config.database)
    : `pg_restore --no-owner --no-privileges --exit-on-error --dbname='<url of a new, empty database>' openpsso.dump`;
  console.log(line);
  throw new PssoError('backup_use_postgres_tools', `run the command above, and keep ${join(config.dataDir, 'master.key')} with the dump`);
}

const dbFileOf = (config: Config): string =>
  config.database.kind === 'sqlite' ? (config.database.file ?? join(config.dataDir, 'openpsso.db')) : '';

export function addBackupCommands(program: Command): void {
  program.command('backup').description('copy the database (and, if asked, the master key) into one file while the server runs')
    .requiredOption('--out <file>', 'the backup file to write (must not exist)')
    .option('--include-master-key', 'also pack the master key: the file is then as secret as the key')
    .action(async (o: { out: string; includeMasterKey?: boolean }, cmd: Command) => {
      const config = configFrom(g(cmd));
      refusePostgres(config, 'backup');
      const r = await createBackup({ dbFile: dbFileOf(config), dataDir: config.dataDir, out: o.out, includeMasterKey: o.includeMasterKey === true });
      console.log(`wrote ${o.out} (${r.bytes} bytes, mode 0600): database at migration ${r.manifest.database.migrations.at(-1) ?? '-'}, ${r.manifest.organisations.length} organisation(s)`);
      if (r.manifest.masterKey.included) {
        console.error('warning: this file holds the master key. Anyone who has it can read every private key and secret in it: store it like the key itself.');
      } else {
        console.log(`the master key (id ${r.manifest.masterKey.keyIds.join(', ')}) is NOT in the file: keep a copy of ${join(config.dataDir, 'master.key')} apart from it; restore needs it`);
      }
    });

  program.command('restore <file>').description('restore a backup into an empty data directory')
    .option('--master-key <file>', 'the master key file, for a backup taken without --include-master-key')
    .action(async (file: string, o: { masterKey?: string }, cmd: Command) => {
      const config = configFrom(g(cmd));
      refusePostgres(config, 'restore');
      if (config.database.kind === 'sqlite' && config.database.file && config.database.file !== join(config.dataDir, 'openpsso.db')) {
        throw new PssoError('invalid_configuration', `restore writes ${join(config.dataDir, 'openpsso.db')}; database.file points elsewhere (${config.database.file})`);
      }
      const r = await restoreBackup({ file, dataDir: config.dataDir, ...(o.masterKey ? { masterKeyFile: o.masterKey } : {}) });
      console.log(`restored the backup of ${r.manifest.createdAt} into ${config.dataDir} (migration ${r.manifest.database.migrations.at(-1) ?? '-'})`);
      console.log(r.masterKeyFrom === 'environment'
        ? 'master key: from OPENPSSO_MASTER_KEY (checked; no key file written): keep it set for serve'
        : `master key: written to ${join(config.dataDir, 'master.key')} from the ${r.masterKeyFrom === 'backup' ? 'backup' : '--master-key file'} (checked)`);
      console.log(`next: openpsso serve --data-dir ${config.dataDir}`);
    });

  const keys = program.commands.find((c) => c.name() === 'keys') ?? program.command('keys');
  keys.command('rotate-master').description('replace the master key and re-encrypt everything sealed under it, while servers run')
    .option('--grace <seconds>', 'wait after writing the new key, so values servers sealed just before are stored', '2')
    .action(async (o: { grace: string }, cmd: Command) => {
      const graceMs = Math.round(Number(o.grace) * 1000);
      if (!Number.isFinite(graceMs) || graceMs < 0) throw new PssoError('invalid_configuration', '--grace must be a number of seconds');
      await withContext(g(cmd), async (ctx) => {
        const r = await rotateMasterKey({ store: ctx.store, dataDir: ctx.config.dataDir, graceMs });
        console.log(`${r.resumed ? 'finished the interrupted rotation' : 'rotated the master key'}: ${r.previousId} -> ${r.newId}; ${r.reEncrypted} value(s) re-encrypted`);
        console.log('the old key is gone from the data directory; backups taken before now need the copy of it you kept with them');
      });
    });
}
