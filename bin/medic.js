#!/usr/bin/env node
// Medic's command line: the compiled build in dist/ (`npm run build`; `npm install` makes it).
// Stack traces name the TypeScript lines through the source maps beside it.
process.setSourceMapsEnabled(true);
let cli;
try {
  cli = await import('../dist/cli/index.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/index.js')) throw err;
  process.stderr.write('medic: the compiled build is missing: run `npm run build` (npm install runs it)\n');
  process.exit(1);
}
await cli.main(process.argv);
