#!/usr/bin/env node
// Brings a fresh checkout to a runnable state with no downloads beyond the npm registry and Debian's
// packages: installs node_modules from the lock when they are missing or stale, with --for-tests the Debian
// packages the tests use, and with --build builds the workbench. Electron's binary and libtensorflow cannot
// be downloaded on offline workstations, so their downloads are skipped; the workbench falls back to lab
// mode and the wasm engine.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const forTests = process.argv.includes('--for-tests');
const stampFile = `${root}node_modules/.rtk-workbench-install-stamp`;

function lockHash() {
  return createHash('sha256')
    .update(readFileSync(`${root}package-lock.json`))
    .digest('hex');
}

function run(command, argumentList, environment = {}) {
  const result = spawnSync(command, argumentList, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...environment },
  });
  if (result.status !== 0) {
    console.error(
      `setup: \`${command} ${argumentList.join(' ')}\` failed (exit ${result.status ?? result.signal}).`,
    );
    process.exit(1);
  }
}

/**
 * npm's own lines worth a user's attention: warnings and errors, without the notices that only say an
 * optional native package (libtensorflow, Electron's binary) could not be downloaded, which the workbench
 * expects and explains itself.
 */
function attentionLines(log) {
  return log
    .split('\n')
    .filter((line) => /^npm (warn|error)\b/i.test(line))
    .filter((line) => !/\boptional\b|\bSKIPPING OPTIONAL\b/i.test(line));
}

function installNodeModules() {
  const wanted = lockHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return;
  console.log('setup: installing the npm dependencies (the first time only; a few minutes) …');
  const started = Date.now();
  // npm's output is kept in a log and summarised in one line: its build chatter alarms people who do not
  // write code, and anything that matters is repeated from the log.
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--no-progress'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  const log = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const logFile = `${root}node_modules/.rtk-workbench-install.log`;
  if (existsSync(`${root}node_modules`)) writeFileSync(logFile, log);
  if (result.status !== 0) {
    console.error(log.trimEnd());
    console.error(
      `setup: installing the npm dependencies failed (npm ci exit ${result.status ?? result.signal}).`,
    );
    process.exit(1);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const attention = attentionLines(log);
  console.log(
    `setup: dependencies installed in ${seconds} s` +
      (attention.length > 0 ? `; npm said:\n${attention.join('\n')}` : '.'),
  );
  writeFileSync(stampFile, wanted);
}

/** Whether Debian's Python (the independent producer of test fixtures) can import a module. */
function pythonHas(module) {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`]).status === 0;
}

const testPackages = [
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { name: 'dataset-fashion-mnist', present: () => existsSync('/usr/share/datasets/fashion-mnist') },
  { name: 'python3-onnx', present: () => pythonHas('onnx') },
  { name: 'python3-torch', present: () => pythonHas('torch') },
  { name: 'python3-torchvision', present: () => pythonHas('torchvision') },
  { name: 'python3-scipy', present: () => pythonHas('scipy.io') },
  { name: 'python3-pil', present: () => pythonHas('PIL.Image') },
];

function installTestPackages() {
  const missing = testPackages.filter((entry) => !entry.present()).map((entry) => entry.name);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let hasAptGet = true;
  try {
    execFileSync('which', ['apt-get'], { stdio: 'ignore' });
  } catch {
    hasAptGet = false;
  }
  if (!isRoot || !hasAptGet) {
    console.error(
      `setup: the tests need these Debian packages: ${missing.join(', ')}. Install them with\n` +
        `  sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`setup: installing Debian packages ${missing.join(', ')} …`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
}

/** `npm run build` with its compiler and bundler chatter kept back unless the build fails. */
function build() {
  console.log('setup: building the workbench …');
  const started = Date.now();
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    console.error(`${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd());
    console.error(`setup: the build failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
  console.log(`setup: built in ${Math.round((Date.now() - started) / 1000)} s.`);
}

if (forTests) installTestPackages();
installNodeModules();
if (process.argv.includes('--build')) build();
