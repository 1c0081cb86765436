import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import { lockDataDir } from '../db/embedded-lock.ts';
import { openDatabase } from '../db/pool.ts';
import { readActive, type ActiveRead } from '../policies/active.ts';
import { createHashingEmbedder } from '../signatures/embedder.ts';

/**
 * The active stored revision, read the way a server reads it; `none` when the store holds none or
 * there is no store yet (an embedded folder never made). Nothing is migrated or written.
 */
export async function storedActive(config: Config): Promise<ActiveRead> {
  if (!config.databaseUrl && (config.dataDir.startsWith('memory://') || !existsSync(config.dataDir))) return { kind: 'none' };
  const release = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      // Listing needs no class vectors worth a call to a remote embedder.
      return await readActive(db.pool, createHashingEmbedder());
    } finally {
      await db.close();
    }
  } finally {
    await release?.();
  }
}
