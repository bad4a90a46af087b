// postinstall: rebuilds lzma-native (the .xz encoder of Packages.xz) from its bundled liblzma sources with
// optimisation. The prebuilt binary it ships was compiled without -O2 (its configure step sets CFLAGS, so
// autoconf adds no optimisation flags) and encodes about half as fast: at 50k packages that is over a second
// of CPU per full publication. When the build cannot run (no compiler), the prebuilt binary stays in use.
// PACKYARD_SKIP_LZMA_BUILD=1 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const say = (msg) => process.stderr.write(`packyard postinstall: ${msg}\n`);

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const bundled = process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return bundled && existsSync(bundled) ? bundled : null;
}

function main() {
  if (process.env.PACKYARD_SKIP_LZMA_BUILD === '1') return;
  let dir;
  try {
    dir = path.dirname(require.resolve('lzma-native/package.json'));
  } catch {
    return; // not installed (production install without it): nothing to do
  }
  const marker = path.join(dir, 'build', 'packyard-optimized');
  if (existsSync(marker) && existsSync(path.join(dir, 'build', 'Release', 'lzma_native.node'))) return;
  const gyp = nodeGyp();
  if (!gyp) return say('node-gyp not found; lzma-native keeps its prebuilt (slower) encoder');
  say('building lzma-native with -O2 (about 30 s)');
  const r = spawnSync(process.execPath, [gyp, 'rebuild'], {
    cwd: dir,
    env: { ...process.env, CFLAGS: '-O2' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    rmSync(path.join(dir, 'build'), { recursive: true, force: true });
    say(`building lzma-native failed; its prebuilt (slower) encoder stays in use\n${(r.stderr ?? '').split('\n').slice(-15).join('\n')}`);
    return;
  }
  writeFileSync(marker, 'built by scripts/build-lzma.mjs with CFLAGS=-O2\n');
}

main();
