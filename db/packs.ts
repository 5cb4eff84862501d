import { eq, sql } from 'drizzle-orm';
import { packDocument, parsePack } from '../policy/pack-schema';
import { compareVersions, createPackCatalogue, type PackCatalogue } from '../policy/packs';
import type { PublishedPack } from '../policy/types';
import { preparedOnce, retryRead, type Db } from './client';
import { policyPacks } from './schema';

// The pack registry: the files shipped with the code plus every version published to
// the database. Each instance reads the table, so a version published by one API
// instance applies to the next case submitted through any other, and after a restart.

/** Advisory-lock class of pack publication (the second key is the region's hash). */
const PUBLISH_LOCK_CLASS = 0x5041434b; // 'PACK'

export class PackVersionConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackVersionConflictError';
  }
}

export interface PackRegistry {
  /** Every version, shipped or published, as the database holds them now. */
  catalogue(): Promise<PackCatalogue>;
  /**
   * Publishes a new version: the document is checked as a pack file would be, and its
   * version must be newer than every version of its region, so that it is the one new
   * cases get. Throws `InvalidPackError` or `PackVersionConflictError`.
   */
  publish(document: unknown, publishedBy: string): Promise<PublishedPack>;
}

const packList = preparedOnce((db) => db.select({ region: policyPacks.region, version: policyPacks.version, hash: policyPacks.hash }).from(policyPacks).prepare('policy_pack_list'));

const keyOf = (p: { region: string; version: string }) => `${p.region}\u0000${p.version}`;

export function createPackRegistry(db: Db, files: readonly PublishedPack[]): PackRegistry {
  // A published row never changes, so its parsed pack is kept once read.
  const published = new Map<string, PublishedPack>();

  async function readBodies(): Promise<void> {
    for (const row of await db.select().from(policyPacks)) {
      const pack = parsePack(row.body, `policy_packs row ${row.region} ${row.version}`);
      if (pack.hash !== row.hash || pack.region !== row.region || pack.version !== row.version) {
        throw new Error(`policy_packs row ${row.region} ${row.version} does not match its hash: it was altered after publication`);
      }
      published.set(keyOf(row), pack);
    }
  }

  return {
    async catalogue() {
      // Read on every request that needs regions: a dropped connection is retried, not a 500.
      const listed = await retryRead(() => packList(db).execute());
      if (listed.some((row) => published.get(keyOf(row))?.hash !== row.hash)) await readBodies();
      return createPackCatalogue([...files, ...listed.flatMap((row) => published.get(keyOf(row)) ?? [])]);
    },

    async publish(document, publishedBy) {
      if (publishedBy.trim() === '') throw new TypeError('publishedBy must name who publishes');
      const pack = parsePack(document, 'the published pack');
      await db.transaction(async (tx) => {
        // One publisher per region at a time, so "newer than every version" still holds when the row lands.
        await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK_CLASS}, hashtext(${pack.region}))`);
        const rows = await tx.select({ version: policyPacks.version }).from(policyPacks).where(eq(policyPacks.region, pack.region));
        const versions = [...files.filter((f) => f.region === pack.region), ...rows].map((p) => p.version);
        if (versions.includes(pack.version)) {
          throw new PackVersionConflictError(`policy pack ${pack.region} ${pack.version} is already published; a published version never changes, publish a new one`);
        }
        const newest = versions.sort(compareVersions).at(-1);
        if (newest !== undefined && compareVersions(pack.version, newest) <= 0) {
          throw new PackVersionConflictError(`policy pack ${pack.region} ${pack.version} is not newer than ${newest}, the version new cases get; publish a newer version`);
        }
        await tx.insert(policyPacks).values({ region: pack.region, version: pack.version, hash: pack.hash, body: packDocument(pack), publishedBy });
      });
      published.set(keyOf(pack), pack);
      return pack;
    },
  };
}
