#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is installed, lab mode in the browser where it is not.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const forwarded = process.argv.slice(2);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (binary !== null) {
  const child = spawn(binary, [root, ...forwarded], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  console.log(
    'Electron is not installed on this machine (its binary could not be downloaded), so the workbench starts in lab mode: open the URL below in your browser.',
  );
  process.argv = [process.argv[0] ?? 'node', 'rtk-workbench', 'serve', ...forwarded];
  await import('./rtk-workbench.js');
}
