// scripts/build-kernels.mjs --if-stale (the `prepare` script): npm runs it again whenever it installs the folder as a
// link (`npx bard` on a fresh npx cache), so it must leave an up-to-date build alone: a rebuild would delete the
// native addon under running processes. Run on a copy of the layout, so the real build is never touched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'bard-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(path: string, text: string, ageSeconds: number): void {
  const f = join(dir, path);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, text);
  const t = Date.now() / 1000 - ageSeconds;
  utimesSync(f, t, t);
}

const prepare = () => spawnSync(process.execPath, [join(dir, 'scripts/build-kernels.mjs'), '--if-stale', 'wasm', 'native'], { encoding: 'utf8' });
const mtime = (path: string) => statSync(join(dir, path)).mtimeMs;

describe('prepare (build-kernels --if-stale)', () => {
  it('leaves outputs newer than their sources alone, and rebuilds the addon when a source is newer or Node changed', () => {
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(REPO, 'scripts/build-kernels.mjs'), join(dir, 'scripts/build-kernels.mjs'));
    for (const src of ['src/kernels/assembly/index.ts', 'package-lock.json', 'native/binding.gyp', 'native/kernels.cc', 'native/kernels-impl.h']) put(src, 'source', 60);
    for (const out of ['build/kernels.wasm', 'build/kernels-fma.wasm', 'native/build/Release/bard_native.node']) put(out, 'built', 30);
    put('native/build/node-abi', `${process.versions.modules} ${process.arch}`, 30);

    const before = ['build/kernels.wasm', 'native/build/Release/bard_native.node'].map(mtime);
    const fresh = prepare();
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('bard: the WASM kernels are up to date');
    expect(fresh.stdout).toContain('bard: the native kernels are up to date');
    expect(['build/kernels.wasm', 'native/build/Release/bard_native.node'].map(mtime)).toEqual(before);

    // A newer source: the addon is rebuilt (this one is not C++, so the build fails: a note, exit 0, WASM serves).
    put('native/kernels.cc', 'not C++', 0);
    const stale = prepare();
    expect(stale.status).toBe(0);
    expect(stale.stdout).toContain('bard: the WASM kernels are up to date');
    expect(stale.stdout).toContain('bard: the native kernels did not build; training and sampling run on the WASM kernels.');

    // Built by another Node (another ABI): rebuilt too, even with older sources.
    put('native/kernels.cc', 'source', 60);
    put('native/build/Release/bard_native.node', 'built', 30);
    put('native/build/node-abi', '0 x', 30);
    expect(prepare().stdout).toContain('the native kernels did not build');
  });
});
