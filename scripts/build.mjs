#!/usr/bin/env node
// Builds dist/: the command line and everything it loads, bundled by esbuild into ES modules
// that share chunks, with source maps that name the TypeScript lines. A bundle starts faster
// than the same modules resolved and read one file at a time (`npm run bench:startup`).
// Type-checking is tsc's job (`npm run typecheck`), not this script's.
import { build } from 'esbuild';
import { rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Left as packages in node_modules: those that read files beside their own code at run time
// (WebAssembly, Lua scripts, static assets, worker-thread entry points), native add-ons, and
// the large ones that only some commands load, which gain nothing from a bundle.
const EXTERNAL = [
  '@electric-sql/*', // pglite.wasm and its file-system image
  '@fastify/swagger-ui', '@fastify/static', // the documentation page's assets
  'bullmq', 'ioredis', 'msgpackr', // Lua scripts; native add-on
  'pino', 'thread-stream', // transports start worker threads from their own files
  'pg-native', // an optional native add-on pg asks for
  '@langchain/*', 'openai', '@slack/*', // loaded by the commands that use them
];

// Built beside dist/ and swapped in whole: a build that fails leaves the last good one in place.
const next = new URL('../dist.next', import.meta.url);
await rm(next, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { medic: 'src/cli/index.ts' },
  outdir: 'dist.next',
  // Every chunk sits directly in dist/, as every module of src/ that locates the project's
  // folders (`new URL('../migrations', import.meta.url)`) sits directly in src/.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  sourcemap: 'linked',
  sourcesContent: false,
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __medicRequire } from 'node:module'; const require = __medicRequire(import.meta.url);" },
  logLevel: 'warning',
});
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await rename(next, new URL('../dist', import.meta.url));
