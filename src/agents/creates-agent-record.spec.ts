import type { Request } from 'express';
import { createsAgentRecord } from './creates-agent-record.js';

/** A request as guards see it: the matched route's pattern and the parsed body. */
function call(method: string, route: string, body?: unknown): Request {
  return { method, route: { path: route }, path: route, body } as unknown as Request;
}

const tool = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

describe('createsAgentRecord', () => {
  it('is true for registering and sending over REST', () => {
    expect(createsAgentRecord(call('POST', '/api/agents/register'))).toBe(true);
    expect(createsAgentRecord(call('POST', '/api/requests'))).toBe(true);
  });

  it('is true for publishing a message and subscribing to a topic over REST', () => {
    expect(createsAgentRecord(call('POST', '/api/messages'))).toBe(true);
    expect(createsAgentRecord(call('PUT', '/api/topics/:topic/subscription'))).toBe(true);
    expect(createsAgentRecord(call('GET', '/api/messages'))).toBe(false);
    expect(createsAgentRecord(call('DELETE', '/api/topics/:topic/subscription'))).toBe(false);
    expect(createsAgentRecord(call('PUT', '/api/requests'))).toBe(false);
  });

  it('is true for planning, creating and claiming tasks over REST', () => {
    expect(createsAgentRecord(call('PUT', '/api/boards/:board/plan'))).toBe(true);
    expect(createsAgentRecord(call('POST', '/api/tasks'))).toBe(true);
    expect(createsAgentRecord(call('POST', '/api/tasks/claim'))).toBe(true);
    expect(createsAgentRecord(call('GET', '/api/tasks'))).toBe(false);
    expect(createsAgentRecord(call('POST', '/api/tasks/:task_id/complete'))).toBe(false);
  });

  it('is false for reads, a leave and other methods', () => {
    expect(createsAgentRecord(call('GET', '/api/pending'))).toBe(false);
    expect(createsAgentRecord(call('GET', '/api/agents'))).toBe(false);
    expect(createsAgentRecord(call('POST', '/api/agents/leave'))).toBe(false);
    expect(createsAgentRecord(call('GET', '/mcp'))).toBe(false);
    expect(createsAgentRecord(call('DELETE', '/mcp', tool('send_request')))).toBe(false);
  });

  it('is true for an MCP call of register_agent or send_request, alone or anywhere in a batch', () => {
    expect(createsAgentRecord(call('POST', '/mcp', tool('register_agent')))).toBe(true);
    expect(createsAgentRecord(call('POST', '/mcp', tool('send_request')))).toBe(true);
    expect(createsAgentRecord(call('POST', '/mcp', [tool('list_agents'), tool('send_request')]))).toBe(true);
    expect(createsAgentRecord(call('POST', '/mcp', tool('publish')))).toBe(true);
    expect(createsAgentRecord(call('POST', '/mcp', tool('subscribe')))).toBe(true);
    expect(createsAgentRecord(call('POST', '/mcp', tool('check_messages')))).toBe(false);
    for (const name of ['set_plan', 'create_task', 'claim_task', 'wait_for_task']) {
      expect(createsAgentRecord(call('POST', '/mcp', tool(name)))).toBe(true);
    }
    expect(createsAgentRecord(call('POST', '/mcp', tool('complete_task')))).toBe(false);
  });

  it('is false for any other MCP message, and for bodies that are not JSON-RPC', () => {
    expect(createsAgentRecord(call('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }))).toBe(
      false,
    );
    expect(createsAgentRecord(call('POST', '/mcp', tool('list_agents')))).toBe(false);
    expect(createsAgentRecord(call('POST', '/mcp', [tool('wait_for_request'), tool('get_request')]))).toBe(false);
    expect(createsAgentRecord(call('POST', '/mcp', { method: 'tools/list', params: { name: 'send_request' } }))).toBe(
      false,
    );
    for (const body of [undefined, null, 'send_request', 42, [], [null], { params: null }]) {
      expect(createsAgentRecord(call('POST', '/mcp', body))).toBe(false);
    }
  });

  it('reads the matched route, not the path as typed', () => {
    const typed = { method: 'POST', route: { path: '/api/agents/register' }, path: '/API/agents/register/' };
    expect(createsAgentRecord(typed as unknown as Request)).toBe(true);
    expect(createsAgentRecord({ method: 'POST', path: '/api/requests' } as unknown as Request)).toBe(false);
  });
});
