#!/usr/bin/env node
// The one CLI: runs the compiled entry point (built by `npm ci` through the prepare script).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('openpsso: not built yet. Run `npm ci` (or `npm run build`) first.');
    process.exit(1);
  }
  throw err;
});
