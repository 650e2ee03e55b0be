// Prints the Dockerfile's HEALTHCHECK command arguments after "node", one a line, so that
// check-runtime-image.sh probes the copy with the image's own probe rather than a look-alike.
import { readFileSync } from 'node:fs';

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const match = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
const command = match && JSON.parse(match[1]);
if (!command || command[0] !== 'node' || command.some((arg) => arg.includes('\n'))) {
  console.error('Dockerfile has no HEALTHCHECK … CMD ["node", …] of one-line arguments');
  process.exit(1);
}
console.log(command.slice(1).join('\n'));
