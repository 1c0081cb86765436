#!/usr/bin/env node
// Medic's command line: the compiled build in dist/ (`npm run build`; `npm install` makes it).
// Stack traces name the TypeScript lines through the source maps beside it.
process.setSourceMapsEnabled(true);
// Node 22 and later keep compiled code between runs (in the system's temporary folder, or
// NODE_COMPILE_CACHE); a command then starts without compiling its modules again.
(await import('node:module')).enableCompileCache?.();
let cli;
try {
  cli = await import('../dist/medic.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/medic.js')) throw err;
  process.stderr.write('medic: the compiled build is missing: run `npm run build` (npm install runs it)\n');
  process.exit(1);
}
await cli.main(process.argv);
