// The package registry reachable from our machines serves only the Linux x64/arm64 builds of
// unrs-resolver (a Jest dependency), so `npm install` here writes a lockfile without its other
// platform bindings, and `npm ci` then refuses the lockfile everywhere. This adds the missing
// entries, with the os/cpu/libc fields npm uses to skip them on other platforms.
// Run after any `npm install`: node .ci/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const resolver = lock.packages['node_modules/unrs-resolver'];
const platforms = {
  android: 'android',
  darwin: 'darwin',
  freebsd: 'freebsd',
  linux: 'linux',
  openharmony: 'openharmony',
  win32: 'win32',
};
const cpus = {
  'arm-eabi': 'arm',
  arm: 'arm',
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};
let added = 0;
for (const [name, version] of Object.entries(resolver?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) {
    continue;
  }
  const [, os, cpu, abi] = /^@unrs\/resolver-binding-([a-z0-9]+)-([a-z0-9]+(?:-eabi)?)(?:-(\w+))?$/.exec(name) ?? [];
  if (!platforms[os] || !cpus[cpu]) {
    throw new Error(`cannot tell the platform of ${name}`);
  }
  lock.packages[key] = {
    version,
    cpu: [cpus[cpu]],
    license: 'MIT',
    optional: true,
    os: [platforms[os]],
    ...(abi && /gnu|musl/.test(abi) && { libc: [abi.startsWith('musl') ? 'musl' : 'glibc'] }),
  };
  added += 1;
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform entries for unrs-resolver`);
