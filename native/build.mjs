#!/usr/bin/env node
// Builds the native kernels with node-gyp (run by `npm ci` through `npm run build:native`).
//
// node-gyp needs Node's C headers. Left to itself it takes them from the npm config's `nodedir` or downloads them,
// and an install without network (or with another user's npm config) then fails. Node installed from a package or
// a tarball carries its headers in <prefix>/include/node next to <prefix>/bin/node, so we point node-gyp there.
//
// A failed build is not an error: training and sampling then run on the WASM kernels. We say so, with node-gyp's
// last lines, and exit 0 so that `npm ci` goes on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const headers = existsSync(join(prefix, 'include', 'node', 'node_api.h'));

// Inside an npm script npm names its own node-gyp in npm_config_node_gyp; run by hand, we look for npm's copy.
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const [cmd, pre] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
const args = [...pre, 'rebuild', '--directory', here, ...(headers ? [`--nodedir=${prefix}`] : [])];

const run = spawnSync(cmd, args, { encoding: 'utf8', env: process.env });
if (run.status === 0) {
  console.log('bard: built the native kernels');
} else {
  const out = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
  const tail = out.trim().split('\n').filter((l) => /ERR!|error|Error/.test(l)).slice(0, 8).join('\n');
  console.log(`bard: the native kernels did not build; training and sampling run on the WASM kernels.\n${tail}`);
}
