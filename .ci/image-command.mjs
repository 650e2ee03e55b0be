// Prints the Dockerfile's CMD arguments after "node", one a line, once it has checked that the
// CMD runs exactly what `npm start` runs: the image and a local start share the heap flags.
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const match = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('Dockerfile', root), 'utf8'));
if (!match) {
  console.error('Dockerfile has no CMD ["node", …] line');
  process.exit(1);
}
const command = JSON.parse(match[1]);
const start = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start;
if (command.join(' ') !== start) {
  console.error(`Dockerfile CMD "${command.join(' ')}" differs from npm start "${start}"`);
  process.exit(1);
}
console.log(command.slice(1).join('\n'));
