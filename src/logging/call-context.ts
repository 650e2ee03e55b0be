import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of one HTTP call carries. Never message bodies. */
export interface CallContext {
  call_id: string;
  agent_id?: string;
  /** Name of the API key the call authenticated with. */
  key_name?: string;
  tool?: string;
  request_id?: string;
  to_agent?: string;
  /** The message a publish stored or an ack acknowledged. */
  message_id?: string;
  /** The task a task call created, claimed or changed. */
  task_id?: string;
  /** How an MCP tool call ended: its result's status, or "error". */
  outcome?: string;
  error?: string;
}

export const callContext = new AsyncLocalStorage<CallContext>();

/** Adds fields to the current call's context, if there is one. */
export function annotateCall(fields: Partial<CallContext>): void {
  const context = callContext.getStore();
  if (context) {
    Object.assign(context, fields);
  }
}
