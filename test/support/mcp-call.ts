// One MCP tool call from a process of its own, for tests whose client needs a start-up-only
// setting (NODE_EXTRA_CA_CERTS is read once, when Node starts). Run with Node's type stripping:
//   node test/support/mcp-call.ts <url> <agent id> <client kind> <tool> [<arguments as JSON>]
// Prints the tool's JSON result and exits 0, or prints the error on stderr and exits 1.
import { Agent, type ClientKind } from './mcp-clients.ts';

const [url, id, kind, tool, args = '{}'] = process.argv.slice(2);
try {
  const agent = await Agent.connect(url, id, kind as ClientKind);
  try {
    process.stdout.write(JSON.stringify(await agent.ok(tool, JSON.parse(args) as Record<string, unknown>)) + '\n');
  } finally {
    await agent.close();
  }
} catch (error) {
  // The TLS error code sits a few causes down (client error ← fetch failed ← socket error).
  const reasons: string[] = [];
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    reasons.push((cause as { code?: string }).code ?? cause.message);
  }
  process.stderr.write(`${reasons.join(' ← ')}\n`);
  process.exitCode = 1;
}
