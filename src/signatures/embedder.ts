/**
 * Embeddings of failure signatures. The default embedder is local and deterministic (no network,
 * same vector on every machine); an OpenAI-compatible endpoint can replace it.
 */
export interface Embedder {
  /** Names the model and its settings; stored with the vectors so a change is noticed. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** FNV-1a, 32 bits: fast, stable across platforms, good enough spread for feature hashing. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Words of a template, lowercased, without the `<*>` placeholders that carry no meaning. */
export function templateWords(text: string): string[] {
  return text
    .replaceAll('<*>', ' ')
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 1 && !/^\d+$/.test(w));
}

function addFeature(vec: Float64Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  const index = h % vec.length;
  // A second, independent bit decides the sign, so collisions cancel out on average.
  const sign = fnv1a(`±${feature}`) & 1 ? 1 : -1;
  vec[index] = (vec[index] ?? 0) + sign * weight;
}

/**
 * Signed feature hashing of word unigrams, word bigrams and character trigrams; long, rare-looking
 * words weigh more than short common ones (a cheap stand-in for IDF), and the result is L2-normalised.
 */
export function hashingEmbedding(text: string, dimensions: number): number[] {
  const vec = new Float64Array(dimensions);
  const words = templateWords(text);
  words.forEach((w, i) => {
    const weight = Math.min(2, 0.5 + w.length / 6);
    addFeature(vec, `w:${w}`, weight);
    const next = words[i + 1];
    if (next) addFeature(vec, `b:${w} ${next}`, 0.7);
    const padded = `^${w}$`;
    for (let j = 0; j + 3 <= padded.length; j++) addFeature(vec, `c:${padded.slice(j, j + 3)}`, 0.25);
  });
  let norm = 0;
  for (const x of vec) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(vec, (x) => x / norm);
}

/** The default embedder. @defaultValue 256 dimensions */
export function createHashingEmbedder(dimensions = 256): Embedder {
  return {
    id: `hashing-v1-${dimensions}`,
    dimensions,
    embed: async (texts) => texts.map((t) => hashingEmbedding(t, dimensions)),
  };
}
