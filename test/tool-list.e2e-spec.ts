import { Coordinator, startCoordinator } from './support/coordinator.js';
import { contextChars, ListedTool, listedTools } from './support/tool-list.js';

/** The ceiling on what the whole tool list costs every session, in characters. */
const CONTEXT_BUDGET_CHARS = 12_000;
/** What Claude Code puts before each name of the plugin's tools (bench/tool-list-size.ts shows it adds nothing else). */
const CLAUDE_CODE_NAME_PREFIX = 'mcp__plugin_c3po_c3po__';

describe('the tool list a model is offered', () => {
  let coordinator: Coordinator;
  let tools: ListedTool[];

  beforeAll(async () => {
    coordinator = await startCoordinator();
    tools = await listedTools(coordinator.url);
  });

  afterAll(() => coordinator.close());

  it(`costs under ${CONTEXT_BUDGET_CHARS} characters of names, descriptions and schemas, as Claude Code sends them`, () => {
    const total = tools.reduce((sum, tool) => sum + contextChars(tool) + CLAUDE_CODE_NAME_PREFIX.length, 0);
    expect(total).toBeLessThan(CONTEXT_BUDGET_CHARS);
  });

  it('sends schemas without $schema, which MCP reads as draft 2020-12 anyway', () => {
    expect(tools.filter((tool) => '$schema' in tool.inputSchema).map((tool) => tool.name)).toEqual([]);
    expect(tools.every((tool) => tool.inputSchema.type === 'object')).toBe(true);
  });
});
