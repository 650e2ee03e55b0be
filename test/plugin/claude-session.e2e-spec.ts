import { ClaudeSession } from '../support/claude-session.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { ModelRequest, ModelStandIn, newText, toolResults, Turn } from '../support/model-stand-in.js';

/**
 * The real interactive Claude Code, in tmux, with the plugin installed from this repository's
 * marketplace and a scripted model: a prompt typed into the pane makes the model call a C3PO
 * tool, and its answer shows in the pane.
 */
describe('an interactive Claude Code session with the plugin', () => {
  let coordinator: Coordinator;
  let model: ModelStandIn;
  let session: ClaudeSession | undefined;

  /** Asked who is online, calls list_agents and names the agents it returned. */
  function brain(request: ModelRequest): Turn {
    const [result] = toolResults(request);
    if (result) {
      const ids = (JSON.parse(result.text).agents as { agent_id: string }[]).map((agent) => agent.agent_id);
      return { text: `Online on C3PO: ${ids.join(', ')}.` };
    }
    if (newText(request).includes('Who is online?')) {
      return { tool: '__list_agents', input: {} };
    }
    return { text: 'Nothing to do.' };
  }

  beforeAll(async () => {
    coordinator = await startCoordinator();
    model = await ModelStandIn.start(brain);
  });

  afterAll(async () => {
    await session?.stop();
    await model?.close();
    await coordinator?.close();
  });

  it('calls a C3PO tool chosen by the model and shows the reply', async () => {
    session = await ClaudeSession.start({
      modelUrl: model.url,
      project: 'smoke-agent',
      env: { C3PO_COORDINATOR_URL: coordinator.url },
    });

    await session.type('Who is online?');

    await session.waitFor('Online on C3PO: smoke-agent.', 20_000);
    const call = model.turns.flatMap(toolResults).find((result) => result.tool.endsWith('__list_agents'));
    expect(call).toMatchObject({ tool: 'mcp__plugin_c3po_c3po__list_agents', isError: false });
    expect(session.debugLog()).toContain('MCP server "plugin:c3po:c3po": Successfully connected');
  }, 90_000);
});
