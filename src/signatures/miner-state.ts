import { z } from 'zod';

const Cluster1 = z.object({
  id: z.number().int().min(1),
  tokens: z.array(z.string()),
  size: z.number().int().min(0),
  lastUsed: z.number().int().min(0),
});

/** The first miner's state: clusters of one length each, no merges. Read to upgrade it. */
export const MinerStateV1 = z.object({ version: z.literal(1), nextId: z.number().int().min(1), clusters: z.array(Cluster1) });

/**
 * The miner's persisted state: its clusters in creation order (each with the text its members
 * all had where masking hid a part, or null), the ids merged into others (`[id, into]`), and
 * the next id to hand out. Families are derived from the clusters when the state is restored.
 */
export const MinerStateV2 = z.object({
  version: z.literal(2),
  nextId: z.number().int().min(1),
  clusters: z.array(Cluster1.extend({ raw: z.array(z.string().nullable()) })),
  aliases: z.array(z.tuple([z.number().int().min(1), z.number().int().min(1)])),
});
export type MinerStateV2 = z.infer<typeof MinerStateV2>;

/** Either state; restoring a first-version state keeps its cluster ids. */
export const MinerState = z.discriminatedUnion('version', [MinerStateV1, MinerStateV2]);
export type MinerState = z.infer<typeof MinerState>;

/** A state of either version as the current one: a first-version cluster knows no raw text. */
export function upgradeState(state: MinerState): MinerStateV2 {
  switch (state.version) {
    case 1:
      return { version: 2, nextId: state.nextId, clusters: state.clusters.map((c) => ({ ...c, raw: c.tokens.map(() => null) })), aliases: [] };
    case 2:
      return state;
    default: {
      const never: never = state;
      return never;
    }
  }
}
