/**
 * The seed's signatures, made the way Medic makes them: each family is rendered a few times through
 * the template miner and the signature service (as failure analysis would), then its final
 * template is embedded with the hashing embedder. The miner's state is stored with them, so the
 * server matches new failures against the same clusters and finds the seeded fingerprints.
 */
import { seeded } from '../../src/demo/random.ts';
import { hashingEmbedding } from '../../src/signatures/embedder.ts';
import { createSignatureService, type DerivedSignature } from '../../src/signatures/service.ts';
import { localMiner } from '../../src/signatures/shared-miner.ts';
import { createMiner, type MinerState } from '../../src/signatures/template-miner.ts';
import type { Family } from './corpus.ts';

export interface SeedSignature extends DerivedSignature {
  /** The family's index among the candidates (or in the CI list, for `ci`). */
  family: number;
  ci: boolean;
  sample: string;
  embedding: number[];
}

export interface MinedSignatures {
  signatures: SeedSignature[];
  minerState: MinerState;
  /** Families looked at, including those that fell into an existing signature. */
  candidates: number;
}

const RENDERINGS = 3;

/**
 * Learns families in order until `target` distinct fingerprints, then the learned half of the CI
 * families; each signature is then matched once more so its template is the widened, final one.
 */
export async function mineSignatures(candidates: Iterable<Family>, target: number, ci: Family[]): Promise<MinedSignatures> {
  const miner = createMiner();
  const service = createSignatureService(localMiner(miner));
  const r = seeded(11);
  const firsts: { family: number; ci: boolean; text: { message: string; detail?: string } }[] = [];
  const seen = new Set<string>();
  let looked = 0;
  const learn = async (f: Family, index: number, isCi: boolean) => {
    const texts = Array.from({ length: RENDERINGS }, () => f.render(r));
    const derived = await Promise.all(texts.map((t) => service.derive(t.message, t.detail ?? null)));
    const fp = derived[0]?.fingerprint;
    const text = texts[0];
    if (fp && text && !seen.has(fp)) {
      seen.add(fp);
      firsts.push({ family: index, ci: isCi, text });
    }
  };
  for (const f of candidates) {
    if (seen.size >= target) break;
    await learn(f, looked++, false);
  }
  for (let i = 0; i < ci.length; i += 2) {
    const f = ci[i];
    if (f) await learn(f, i, true);
  }
  const out: SeedSignature[] = [];
  const final = new Set<string>();
  for (const s of firsts) {
    const d = await service.match(s.text.message, s.text.detail ?? null);
    if (final.has(d.fingerprint)) continue;
    final.add(d.fingerprint);
    out.push({ ...d, family: s.family, ci: s.ci, sample: s.text.message, embedding: hashingEmbedding(d.embeddingText, 256) });
  }
  return { signatures: out, minerState: miner.snapshot(), candidates: looked };
}
