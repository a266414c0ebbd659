#!/usr/bin/env node
// The CLI runs from the compiled build; `npm run build` (or `npm start`) makes it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../build/src-main/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('rtk-workbench: the workbench is not built yet. Run `npm run build` in its folder first.');
  process.exit(1);
}
await import(entry);
