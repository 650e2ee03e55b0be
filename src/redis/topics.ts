/**
 * Wake-up topics, published on the events channel by the scripts and matched by the waits.
 * RedisScripts writes these prefixes into each script as `Topic.request`, `Topic.answer`, `Topic.response`,
 * `Topic.message`, `Topic.task`.
 */
export const TopicPrefix = {
  /** "A request was queued for this agent": followed by the agent id. */
  request: 'q:',
  /** "This request was closed (answered, cancelled, undeliverable)": followed by its id. */
  answer: 'a:',
  /** "A request this agent sent was answered": followed by the sender's id (wakes its push streams). */
  response: 'r:',
  /** "A message was put in this agent's mailbox": followed by the agent id. */
  message: 'm:',
  /** "A task of this board became claimable": followed by the board name. */
  task: 't:',
} as const;

export function requestTopic(agentId: string): string {
  return `${TopicPrefix.request}${agentId}`;
}

export function answerTopic(requestId: string): string {
  return `${TopicPrefix.answer}${requestId}`;
}

export function responseTopic(agentId: string): string {
  return `${TopicPrefix.response}${agentId}`;
}

export function messageTopic(agentId: string): string {
  return `${TopicPrefix.message}${agentId}`;
}

export function taskTopic(board: string): string {
  return `${TopicPrefix.task}${board}`;
}
