#!/usr/bin/env node
// Builds the float32 kernels: `wasm` (AssemblyScript → build/kernels.wasm and build/kernels-fma.wasm) and
// `native` (C++ → native/build/Release/bard_native.node through node-gyp).
//
//   node scripts/build-kernels.mjs wasm native              build both
//   node scripts/build-kernels.mjs --if-stale wasm native   only what is missing or older than its sources
//
// `npm ci` runs the second form (the `prepare` script). npm runs `prepare` again whenever it installs this folder
// as a link, which `npx bard` does on a fresh npx cache: a rebuild then would delete the addon under running
// processes, so an up-to-date build is left alone.
//
// A failed native build is not an error: training and sampling then run on the WASM kernels. We say so, with
// node-gyp's error lines, and exit 0 so that `npm ci` goes on. A failed WASM build is an error.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const ifStale = args.includes('--if-stale');
const targets = args.filter((a) => !a.startsWith('--'));
for (const t of targets) if (t !== 'wasm' && t !== 'native') throw new Error(`unknown target ${t}: wasm or native`);

/** Every file under these paths (folders walked), as absolute paths. */
function files(paths) {
  return paths.flatMap((p) => {
    const abs = join(root, p);
    if (!existsSync(abs)) return [];
    return statSync(abs).isDirectory() ? files(readdirSync(abs).map((f) => join(p, f))) : [abs];
  });
}

/** True when every output exists, is newer than every input, and was built for this `stamp` (e.g. Node's ABI). */
function fresh(outputs, inputs, stampFile, stamp) {
  if (!outputs.every((o) => existsSync(o))) return false;
  if (stampFile && (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp)) return false;
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  return files(inputs).every((f) => statSync(f).mtimeMs <= built);
}

function buildWasm() {
  const outputs = ['build/kernels.wasm', 'build/kernels-fma.wasm'].map((f) => join(root, f));
  if (ifStale && fresh(outputs, ['src/kernels/assembly', 'package-lock.json'])) return console.log('bard: the WASM kernels are up to date');
  const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
  const common = ['src/kernels/assembly/index.ts', '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert'];
  for (const [out, extra] of [[outputs[0], []], [outputs[1], ['--enable', 'relaxed-simd']]]) {
    const run = spawnSync(process.execPath, [asc, ...common, ...extra, '--outFile', out], { cwd: root, stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  console.log('bard: built the WASM kernels');
}

// node-gyp needs Node's C headers. Left to itself it takes them from the npm config's `nodedir` or downloads them,
// and an install without network (or with another user's npm config) then fails. Node installed from a package or
// a tarball carries its headers in <prefix>/include/node next to <prefix>/bin/node, so we point node-gyp there.
function buildNative() {
  const addon = join(root, 'native/build/Release/bard_native.node');
  const stampFile = join(root, 'native/build/node-abi');
  const stamp = `${process.versions.modules} ${process.arch}`;
  if (ifStale && fresh([addon], ['native/binding.gyp', 'native/kernels.cc', 'native/kernels-impl.h'], stampFile, stamp)) return console.log('bard: the native kernels are up to date');
  const prefix = dirname(dirname(process.execPath));
  const headers = existsSync(join(prefix, 'include', 'node', 'node_api.h'));
  // Inside an npm script npm names its own node-gyp in npm_config_node_gyp; run by hand, we look for npm's copy.
  const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const gyp = process.env.npm_config_node_gyp || (existsSync(bundled) ? bundled : undefined);
  const [cmd, pre] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
  const run = spawnSync(cmd, [...pre, 'rebuild', '--directory', join(root, 'native'), ...(headers ? [`--nodedir=${prefix}`] : [])], { encoding: 'utf8' });
  if (run.status === 0) {
    writeFileSync(stampFile, stamp);
    console.log('bard: built the native kernels');
  } else {
    const out = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
    const tail = out.trim().split('\n').filter((l) => /ERR!|error|Error/.test(l)).slice(0, 8).join('\n');
    console.log(`bard: the native kernels did not build; training and sampling run on the WASM kernels.\n${tail}`);
  }
}

if (targets.includes('wasm')) buildWasm();
if (targets.includes('native')) buildNative();
