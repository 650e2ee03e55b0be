import { Coordinator, startCoordinator } from './support/coordinator.js';
import { Agent, clientKinds } from './support/mcp-clients.js';

/** C3PO_PAGE_MAX_BYTES for these tests: two 600-byte texts do not fit one page. */
const PAGE_MAX_BYTES = 1000;
const text = (label: string) => `${label} ${'x'.repeat(600)}`;

describe.each(clientKinds)('pages cut by C3PO_PAGE_MAX_BYTES with %s', (kind) => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_PAGE_MAX_BYTES: String(PAGE_MAX_BYTES) });
    alice = await Agent.registered(coordinator.url, 'alice', kind);
    bob = await Agent.registered(coordinator.url, 'bob', kind);
  });

  afterAll(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await coordinator.close();
  });

  it('check_messages returns what fits and the rest on the next pages, losing none', async () => {
    for (const label of ['one', 'two', 'three']) {
      await alice.ok('publish', { to: 'bob', type: 'GENERAL', subject: label, body: text(label) });
    }
    const subjects: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await bob.ok('check_messages', { limit: 10, cursor });
      subjects.push(...page.messages.map((message: { subject: string }) => message.subject));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect({ subjects, pages }).toEqual({ subjects: ['one', 'two', 'three'], pages: 3 });
    expect((await bob.ok('check_messages')).messages).toEqual([]);
  });

  it('check_messages with a filter counts only the messages it returns against the page', async () => {
    const ackable = { to: 'bob', type: 'GENERAL', subject: 'ack me', body: 'b', ack_required: true };
    const first = await alice.ok('publish', ackable);
    await alice.ok('publish', { to: 'bob', type: 'GENERAL', subject: 'plain', body: 'p'.repeat(PAGE_MAX_BYTES) });
    const second = await alice.ok('publish', ackable);
    const page = await bob.ok('check_messages', { unacked_only: true, limit: 10 });
    expect(page.messages.map((message: { id: string }) => message.id)).toEqual([first.id, second.id]);
    // Clear the mailbox for the tests after this one.
    await bob.ok('check_messages', { limit: 10 });
    await bob.ok('ack_message', { id: first.id });
    await bob.ok('ack_message', { id: second.id });
  });

  it('get_timeline pages by bytes too, acks and their comments counted', async () => {
    const { id } = await alice.ok('publish', {
      to: 'bob',
      type: 'GENERAL',
      subject: 'acked',
      body: 'short',
      ack_required: true,
    });
    await bob.ok('ack_message', { id, comment: text('comment') });
    await alice.ok('publish', { to: 'bob', type: 'GENERAL', subject: 'newest', body: text('newest') });
    const first = await alice.ok('get_timeline', { limit: 10 });
    expect(first.messages.map((message: { subject: string }) => message.subject)).toEqual(['newest']);
    const rest = await alice.ok('get_timeline', { limit: 10, cursor: first.next_cursor });
    expect(rest.messages.map((message: { subject: string }) => message.subject)[0]).toBe('acked');
  });

  it('list_tasks and get_board page by bytes too', async () => {
    const board = `bytes-${kind.startsWith('sdk') ? 'a' : 'b'}`;
    for (const label of ['first', 'second', 'third']) {
      await alice.ok('create_task', { board, title: label, description: text(label) });
    }
    const first = await alice.ok('list_tasks', { board, limit: 10 });
    expect(first.tasks.map((task: { title: string }) => task.title)).toEqual(['first']);
    const rest = await alice.ok('list_tasks', { board, limit: 10, cursor: first.next_cursor });
    expect(rest.tasks.map((task: { title: string }) => task.title)).toEqual(['second']);
    const board1 = await alice.ok('get_board', { board });
    expect({ shown: board1.tasks.length, next: typeof board1.next_cursor }).toEqual({ shown: 1, next: 'string' });
  });

  it('search_findings holds the best findings that fit, and counts every match', async () => {
    for (const label of ['alpha', 'beta', 'gamma']) {
      await alice.ok('add_finding', { text: `${text(label)} cache ${kind}` });
    }
    const found = await bob.ok('search_findings', { query: `cache ${kind}`, limit: 10 });
    expect({ shown: found.findings.length, matches: found.matches }).toEqual({ shown: 1, matches: 3 });
  });
});
