import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file the console's pages load, held in memory with its gzip and its content hash. */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  /** Part of the asset's URL: a new build gets new URLs, so browsers may cache each for a year. */
  hash: string;
}

export interface Assets {
  /** The URL a page links to, with the content hash. */
  url(name: AssetName): string;
  get(name: string): Asset | undefined;
}

/** Everything the console serves itself (it works without the Internet). */
export type AssetName = 'htmx.js' | 'htmx-sse.js' | 'uplot.js' | 'uplot.css' | 'medic.js' | 'medic.css';

const TYPES = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** The assets: the client libraries from `node_modules`, Medic's own from `dir` (`console/` beside `src/`). */
export function loadAssets(dir: string): Assets {
  const require = createRequire(import.meta.url);
  const files: Record<AssetName, string> = {
    'htmx.js': require.resolve('htmx.org/dist/htmx.min.js'),
    'htmx-sse.js': require.resolve('htmx-ext-sse/dist/sse.min.js'),
    'uplot.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    'uplot.css': require.resolve('uplot/dist/uPlot.min.css'),
    'medic.js': join(dir, 'medic.js'),
    'medic.css': join(dir, 'medic.css'),
  };
  // Read on first use: a process that never serves a page never reads them.
  let loaded: Map<string, Asset> | undefined;
  const all = () => {
    loaded ??= new Map(Object.entries(files).map(([name, path]) => {
      const body = readFileSync(path);
      const type = name.endsWith('.css') ? TYPES.css : TYPES.js;
      return [name, { body, gzip: gzipSync(body, { level: 9 }), type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }];
    }));
    return loaded;
  };
  return {
    url: (name) => `/assets/${all().get(name)?.hash ?? 'missing'}/${name}`,
    get: (name) => all().get(name),
  };
}
