import { Coordinator, startCoordinator } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';

/**
 * The three-session story, as the README tells it: a leader plans and splits the work,
 * two workers (one on each MCP client generation) claim and complete it, share what they found,
 * and ask for a review, which the leader acknowledges.
 */
describe('a leader and two workers share a task board', () => {
  let coordinator: Coordinator;
  let leader: Agent;
  let ana: Agent;
  let ben: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    leader = await Agent.registered(coordinator.url, 'leader', 'client-2.x (2026-07-28)');
    ana = await Agent.registered(coordinator.url, 'ana', 'sdk-1.x (2025-11-25)');
    ben = await Agent.registered(coordinator.url, 'ben', 'client-2.x (2026-07-28)');
  });

  afterAll(async () => {
    await Promise.all([leader, ana, ben].map((agent) => agent.close()));
    await coordinator.close();
  });

  it('plans six tasks, has two workers do them in dependency order, and acknowledges their review request', async () => {
    await leader.ok('set_plan', {
      goal: 'Add CSV export to the reports page',
      plan: '1. schema and query, 2. API endpoint, 3. UI button, 4. tests, 5. docs, 6. release notes',
    });
    const create = async (title: string, priority: number, dependsOn: string[] = [], files: string[] = []) =>
      (
        await leader.ok('create_task', {
          title,
          description: `${title} for the CSV export`,
          priority,
          depends_on: dependsOn,
          files,
        })
      ).task.task_id as string;
    const query = await create('Export query', 9, [], ['src/reports/query.ts']);
    const endpoint = await create('GET /reports.csv endpoint', 8, [query], ['src/reports/csv.controller.ts']);
    const button = await create('Export button', 6, [endpoint], ['web/reports/ExportButton.tsx']);
    const tests = await create('End-to-end test', 7, [endpoint]);
    const docs = await create('Document the export', 4, [endpoint]);
    const notes = await create('Release notes', 2, [button, tests, docs]);

    const board = await leader.ok('get_board');
    expect(board).toMatchObject({
      goal: 'Add CSV export to the reports page',
      counts: { available: 6, claimed: 0, done: 0, failed: 0 },
    });

    // Only the query is claimable: everything else waits for it.
    const first = (await ana.ok('claim_task')).task;
    expect(first).toMatchObject({ task_id: query, status: 'claimed', assignee: 'ana' });
    expect((await ben.ok('claim_task')).task).toBeNull();
    const refused = await ben.fails('claim_task', { task_id: endpoint });
    expect(refused).toContain(query);

    // ben waits for work; ana's completion wakes him with the endpoint, claimed for him.
    const benWaits = ben.ok('wait_for_task', { timeout: 30 });
    await ana.ok('reserve_files', { paths: ['src/reports/query.ts'], ttl_s: 600, reason: 'export query' });
    await ana.ok('add_finding', {
      text: 'The reports table has no index on created_at: the export query needs one for big ranges',
      tags: ['db', 'performance'],
      files: ['src/reports/query.ts'],
    });
    await ana.ok('complete_task', { task_id: query, result: 'query in src/reports/query.ts, with an index' });
    await ana.ok('release_files');
    const woken = await benWaits;
    expect(woken).toMatchObject({ status: 'claimed', task: { task_id: endpoint, assignee: 'ben' } });

    // ben finds ana's finding before he builds on her query.
    const found = await ben.ok('search_findings', { query: 'index created_at', tags: ['db'] });
    expect(found.findings[0]).toMatchObject({ author: 'ana', tags: ['db', 'performance'] });
    await ben.ok('complete_task', { task_id: endpoint, result: 'GET /reports.csv streams rows' });

    // Three tasks open up at once; the best first (tests, priority 7), then the button and the docs.
    const next = [(await ana.ok('claim_task')).task, (await ben.ok('claim_task')).task];
    expect(next.map((task) => task.task_id)).toEqual([tests, button]);
    const last = (await ana.ok('claim_task')).task;
    expect(last.task_id).toBe(docs);
    for (const [agent, task] of [
      [ana, next[0]],
      [ben, next[1]],
      [ana, last],
    ] as const) {
      await agent.ok('complete_task', { task_id: task.task_id, result: `${task.title}: done` });
    }
    const final = (await ben.ok('claim_task')).task;
    expect(final.task_id).toBe(notes);
    await ben.ok('complete_task', { task_id: notes, result: 'release notes written' });

    // The workers ask for a review; the leader sees it, acknowledges it, and ben hears back.
    const review = await ben.ok('publish', {
      to: 'leader',
      type: 'READY_FOR_REVIEW',
      subject: 'CSV export ready for review',
      body: 'All six tasks done; see the board for results.',
      ack_required: true,
    });
    const inbox = await leader.ok('check_messages', { type: 'READY_FOR_REVIEW' });
    expect(inbox.messages).toEqual([
      expect.objectContaining({
        id: review.id,
        from: 'ben',
        subject: 'CSV export ready for review',
        ack_required: true,
      }),
    ]);
    await leader.ok('ack_message', { id: review.id, comment: 'Reviewing now' });
    const reply = await ben.ok('check_messages');
    expect(reply.messages).toEqual([
      expect.objectContaining({ from: 'leader', type: 'ACK', correlation_id: review.id, body: 'Reviewing now' }),
    ]);

    expect((await leader.ok('get_board')).counts).toEqual({ available: 0, claimed: 0, done: 6, failed: 0 });
    const timeline = await leader.ok('get_timeline', { type: 'READY_FOR_REVIEW' });
    expect(timeline.messages.map((message: { id: string }) => message.id)).toEqual([review.id]);
  });
});
