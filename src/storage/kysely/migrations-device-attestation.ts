// Migration 0011_device_attestation: what Apple Managed Device Attestation proved about a device
// (extensions.md §4.6; serial, UDID, SEP OS version, when, and which root) and the per-organisation mode.
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function deviceAttestation(): Migration {
  return {
    async up(db: AnyDb) {
      // One column per ALTER: SQLite accepts a single ADD COLUMN per statement.
      for (const [name, type] of [['serial_number', 'text'], ['udid', 'text'], ['sep_os_version', 'text'], ['attested_at', 'bigint'], ['attestation_root', 'text']] as const) {
        await db.schema.alterTable('devices').addColumn(name, type).execute();
      }
      // Existing organisations keep registering as before: attestation starts off.
      await db.schema.alterTable('org_settings').addColumn('attestation_mode', 'text', (c) => c.notNull().defaultTo('off')).execute();
    },
  };
}
