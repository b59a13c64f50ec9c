#!/usr/bin/env node
// The `crm` command: the compiled CLI (run `npm run build` first; `npm start` does).
require('../dist/apps/cli/src/main.js');
