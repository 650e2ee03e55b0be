/**
 * Compares two sets of Node/V8 flags for the coordinator, with the machine's drift taken out:
 * both coordinators run side by side on one Redis and take turns, list_agents blocks and then
 * throughput blocks, the order flipping every round (bench/support/compare-sides.ts). Prints
 * every block's figures, the medians, and B/A.
 *
 *   node bench/compare-flags.ts --b="--heap-growing-percent=0" [--a="..."] [--rounds 6]
 *
 * Each side runs with npm start's flags followed by its own (a later flag wins), so
 * `--b="--max-semi-space-size=0 --heap-growing-percent=0"` is V8's defaults against npm start.
 */
import { parseArgs } from 'node:util';
import { compareArgs, compareOptions, compareSides } from './support/compare-sides.ts';

const { values } = parseArgs({
  options: { a: { type: 'string', default: '' }, b: { type: 'string', default: '' }, ...compareArgs },
  strict: true,
});
await compareSides(
  [
    { name: 'A', nodeFlags: values.a },
    { name: 'B', nodeFlags: values.b },
  ],
  compareOptions(values),
);
