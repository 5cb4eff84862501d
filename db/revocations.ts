import { desc, gt, sql } from 'drizzle-orm';
import { retryRead, type Db } from './client';
import { tokenRevocations } from './schema';

export interface Revocation {
  jti: string;
  reason: string | null;
  revokedBy: string;
  revokedAt: Date;
}

/** Revokes a token by its `jti`; revoking it again changes nothing and says so. */
export async function revokeToken(db: Db, revocation: { jti: string; reason?: string; revokedBy: string }): Promise<{ revocation: Revocation; created: boolean }> {
  const [inserted] = await db
    .insert(tokenRevocations)
    .values({ jti: revocation.jti, reason: revocation.reason ?? null, revokedBy: revocation.revokedBy })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { revocation: inserted, created: true };
  const [existing] = await db.select().from(tokenRevocations).where(sql`${tokenRevocations.jti} = ${revocation.jti}`);
  return { revocation: existing, created: false };
}

/** Revocations that may still matter: a token is never valid longer than `maxAgeSeconds` after it was revoked. */
export function recentRevocations(db: Db, maxAgeSeconds: number): Promise<string[]> {
  return retryRead(async () =>
    (
      await db
        .select({ jti: tokenRevocations.jti })
        .from(tokenRevocations)
        .where(gt(tokenRevocations.revokedAt, sql`now() - make_interval(secs => ${maxAgeSeconds})`))
    ).map((r) => r.jti),
  );
}

export function listRevocations(db: Db, limit = 500): Promise<Revocation[]> {
  return retryRead(() => db.select().from(tokenRevocations).orderBy(desc(tokenRevocations.revokedAt)).limit(limit));
}
