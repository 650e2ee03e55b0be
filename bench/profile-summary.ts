/**
 * Summarises a .cpuprofile (from `npm run bench -- --cpu-prof`): where the coordinator's CPU
 * went, by package and by function, self and inclusive time.
 *
 *   node bench/profile-summary.ts bench/profiles/throughput.cpuprofile [--top 25]
 *   node bench/profile-summary.ts <file> --callers SdkError   (the stacks that lead to a function)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, callers: { type: 'string' } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-summary.ts <file.cpuprofile> [--top N] [--callers FUNCTION]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
profile.nodes.forEach((node) => node.children?.forEach((child) => parent.set(child, node.id)));

// Self time per node: each sample's time delta goes to the node on top of the stack.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
const timeIn = (name: string) =>
  [...selfUs.entries()]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === name)
    .reduce((sum, [, value]) => sum + value, 0);
const idleUs = timeIn('(idle)');
const gcUs = timeIn('(garbage collector)');

function packageOf(url: string, name: string): string {
  if (name.startsWith('(')) {
    return name;
  }
  // The coordinator's own code: dist/ or src/, or the bench's build under node_modules/.cache.
  const own = /(?:\.cache\/c3po-bench\/dist|^file:\/\/(?:(?!node_modules).)*\/(?:dist|src))\/(.+)$/.exec(url)?.[1];
  if (own) {
    return `c3po ${own.includes('/') ? `${own.split('/')[0]}/` : own}`;
  }
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (module) {
    return module;
  }
  if (url.startsWith('node:')) {
    return 'node: (runtime)';
  }
  return url === '' ? '(native / V8)' : url;
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*\.cache\/c3po-bench\/dist\//, 'src/')
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*\/(dist|src)\//, '$1/');
  return `${functionName || '(anonymous)'}  ${file}${url ? `:${lineNumber + 1}` : ''}`;
}

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const selfByPackage = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusiveByFunction = new Map<string, number>();
const inclusiveByPackage = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  add(selfByPackage, packageOf(node.callFrame.url, node.callFrame.functionName), us);
  add(selfByFunction, frameKey(node), us);
  // Inclusive: charge every distinct frame (and package) on this stack once.
  const frames = new Set<string>();
  const packages = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    if (frame.callFrame.functionName === '(root)') {
      break;
    }
    frames.add(frameKey(frame));
    packages.add(packageOf(frame.callFrame.url, frame.callFrame.functionName));
  }
  frames.forEach((key) => add(inclusiveByFunction, key, us));
  packages.forEach((key) => add(inclusiveByPackage, key, us));
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, map: Map<string, number>, limit: number) => {
  console.log(`\n${title}`);
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .forEach(([key, us]) => console.log(`  ${pct(us)} ${ms(us)}  ${key}`));
};

console.log(
  `${positionals[0]}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${pct(totalUs - idleUs).trim()} busy, ` +
    `of which garbage collection ${pct(gcUs).trim()} (percentages below are of all sampled time, idle included)`,
);
print('self time by package', selfByPackage, top);
print('inclusive time by package (a stack counts once per package on it)', inclusiveByPackage, top);
print('self time by function', selfByFunction, top);
print('inclusive time by function', inclusiveByFunction, top);

if (values.callers) {
  // Self + inclusive time of the named function, grouped by the stack of callers beneath it.
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const chain: string[] = [];
    let found = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (frame.callFrame.functionName === '(root)') {
        break;
      }
      if (!found && frame.callFrame.functionName === values.callers) {
        found = true;
      }
      if (found) {
        chain.push(frameKey(frame));
      }
    }
    if (found) {
      add(stacks, chain.slice(0, 12).join('\n      ← '), us);
    }
  }
  console.log(`\nstacks through ${values.callers} (innermost first, 12 frames)`);
  [...stacks.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .forEach(([stack, us]) => console.log(`  ${pct(us)} ${ms(us)}\n      ${stack}`));
}
