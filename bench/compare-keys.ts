/**
 * What API keys cost: two coordinators on one Redis, A with keys off, B with C3PO_ADMIN_TOKEN
 * set and every agent sending a key for '*', so each of B's calls also runs the guard's key
 * check (authenticateApiKey-1.lua). They take turns, list_agents blocks and then throughput
 * blocks, the order flipping every round (bench/support/compare-sides.ts). Prints every block's
 * figures, the medians, and B/A.
 *
 *   node bench/compare-keys.ts [--rounds 6] [--calls 500] [--seconds 4] [--pairs 50]
 */
import { parseArgs } from 'node:util';
import { compareArgs, compareOptions, compareSides } from './support/compare-sides.ts';

const { values } = parseArgs({ options: compareArgs, strict: true });
await compareSides(
  [
    { name: 'A', keys: false },
    { name: 'B', keys: true },
  ],
  compareOptions(values),
);
