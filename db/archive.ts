import { createHash } from 'node:crypto';
import { asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { archivedHistories } from './schema';

// The archive of closed cases' histories, as a hash chain: every entry's digest
// covers its own content and the previous entry's digest, so changing, removing or
// reordering any entry shows at the first entry after it.

/** Digest of the (non-existent) entry before the first one. */
export const GENESIS = '0'.repeat(64);

// Any constant works; it only has to be the same for every process that archives.
const ARCHIVE_LOCK = 0x6e62_6131; // "nba1"

export interface ArchiveEntry {
  caseId: string;
  runId: string;
  /**
   * How the case ended, as the case says it (`completed`, `withdrawn`, `ineligible`, ...);
   * the engine's status when the workflow did not close itself (`terminated`, `failed`).
   * Entries archived before this was so hold the engine's status (a withdrawn case:
   * `completed`); the digest covers them as they are.
   */
  status: string;
  closedAt: Date;
  archivedAt: Date;
  history: string;
}

export interface ChainedEntry extends ArchiveEntry {
  seq: number;
  digest: string;
  prevDigest: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One line per field, the history by its own digest: unambiguous and cheap to recompute. */
export function entryDigest(entry: ArchiveEntry & { seq: number; prevDigest: string }): string {
  return sha256(
    [entry.seq, entry.caseId, entry.runId, entry.status, entry.closedAt.toISOString(), entry.archivedAt.toISOString(), sha256(entry.history), entry.prevDigest].join('\n'),
  );
}

/**
 * Appends a closed case's history to the chain, once: the advisory lock serialises
 * archivers (several workers may sweep at the same time) so each entry links to the
 * real previous one, and the primary key refuses a second entry for a case.
 */
export async function archiveHistory(db: Db, entry: Omit<ArchiveEntry, 'archivedAt'>): Promise<ChainedEntry | undefined> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ARCHIVE_LOCK})`);
    const [existing] = await tx.select({ caseId: archivedHistories.caseId }).from(archivedHistories).where(eq(archivedHistories.caseId, entry.caseId));
    if (existing) return undefined;
    const [last] = await tx.select({ seq: archivedHistories.seq, digest: archivedHistories.digest }).from(archivedHistories).orderBy(desc(archivedHistories.seq)).limit(1);
    // Millisecond precision: what PostgreSQL gives back is what the digest covered.
    const chained = {
      ...entry,
      closedAt: new Date(entry.closedAt.getTime()),
      archivedAt: new Date(),
      seq: (last?.seq ?? 0) + 1,
      prevDigest: last?.digest ?? GENESIS,
    };
    const row = { ...chained, digest: entryDigest(chained) };
    await tx.insert(archivedHistories).values(row);
    return row;
  });
}

export async function archivedCaseIds(db: Db, caseIds: string[]): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const rows = await db.select({ caseId: archivedHistories.caseId }).from(archivedHistories).where(inArray(archivedHistories.caseId, caseIds));
  return new Set(rows.map((r) => r.caseId));
}

export async function findArchived(db: Db, caseId: string): Promise<ChainedEntry | undefined> {
  const [row] = await db.select().from(archivedHistories).where(eq(archivedHistories.caseId, caseId));
  return row;
}

/** Every archived case, oldest entry first, a page at a time (histories can be large). */
export async function* allArchived(db: Db, pageSize = 50): AsyncGenerator<ChainedEntry> {
  let after = 0;
  for (;;) {
    const rows = await db.select().from(archivedHistories).where(gt(archivedHistories.seq, after)).orderBy(asc(archivedHistories.seq)).limit(pageSize);
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1].seq;
  }
}

export async function countArchived(db: Db): Promise<number> {
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(archivedHistories);
  return n;
}

export interface BrokenLink {
  seq: number;
  caseId: string;
  reason: string;
}

export interface ChainVerification {
  ok: boolean;
  entries: number;
  /** Digest of the last entry: record it elsewhere to notice removal of the newest entries too. */
  head: string;
  firstBroken?: BrokenLink;
}

/** Recomputes the chain from the first entry and names the first link that does not hold. */
export async function verifyChain(db: Db): Promise<ChainVerification> {
  let previous = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  for await (const row of allArchived(db)) {
    entries++;
    const broken = (reason: string): ChainVerification => ({ ok: false, entries, head: previous, firstBroken: { seq: row.seq, caseId: row.caseId, reason } });
    if (row.seq !== expectedSeq) return broken(`entry ${expectedSeq} is missing (next is ${row.seq})`);
    if (row.prevDigest !== previous) return broken('its link to the previous entry does not match that entry’s digest');
    if (entryDigest(row) !== row.digest) return broken('its content does not match its digest (altered after archiving)');
    previous = row.digest;
    expectedSeq++;
  }
  return { ok: true, entries, head: previous };
}
