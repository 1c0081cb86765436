import { createHash } from 'node:crypto';
import type { Mined, SharedMiner } from './shared-miner.ts';
import { describeFailure } from './describe.ts';

/** A failure's signature as the incident store keeps it. */
export interface DerivedSignature {
  /** Stable identity: exception type + miner cluster + top application frame. */
  fingerprint: string;
  /** Fingerprints the same failure had under ids the miner has since merged into this one. */
  aliasFingerprints: string[];
  clusterId: string;
  /** The message template with `<*>` for the variable parts. */
  template: string;
  exceptionType: string | null;
  language: string | null;
  topFrames: string[];
  /** What the embedder sees: exception type, template and frames. */
  embeddingText: string;
}

/** Derives signatures, learning (`derive`) or only looking (`match`). */
export interface SignatureService {
  derive(message: string, detail: string | null): Promise<DerivedSignature>;
  match(message: string, detail: string | null): Promise<DerivedSignature>;
}

/** A signature's identity under one cluster id. */
export function fingerprintOf(exceptionType: string | null, clusterId: string, topFrame: string | undefined): string {
  return createHash('sha256').update([exceptionType ?? '', clusterId, topFrame ?? ''].join('\u0000')).digest('hex').slice(0, 32);
}

export function createSignatureService(miner: SharedMiner): SignatureService {
  const build = (message: string, detail: string | null, mined: Mined): DerivedSignature => {
    const d = describeFailure(message, detail);
    const topFrames = d.frames.slice(0, 3);
    const fingerprint = fingerprintOf(d.exceptionType, mined.clusterId, topFrames[0]);
    return {
      fingerprint,
      aliasFingerprints: mined.aliases.map((id) => fingerprintOf(d.exceptionType, id, topFrames[0])),
      clusterId: mined.clusterId,
      template: mined.template,
      exceptionType: d.exceptionType,
      language: d.language,
      topFrames,
      embeddingText: [d.exceptionType ?? '', mined.template, ...topFrames].join(' '),
    };
  };
  return {
    async derive(message, detail) {
      const line = describeFailure(message, detail).line;
      return build(message, detail, await miner.add(line));
    },
    async match(message, detail) {
      const line = describeFailure(message, detail).line;
      return build(message, detail, await miner.match(line));
    },
  };
}
