/**
 * Wake-up topics, published on the events channel by the scripts and matched by the waits.
 * RedisScripts writes these prefixes into each script as `Topic.request` / `Topic.answer`.
 */
export const TopicPrefix = {
  /** "A request was queued for this agent": followed by the agent id. */
  request: 'q:',
  /** "This request was closed (answered, cancelled, undeliverable)": followed by its id. */
  answer: 'a:',
} as const;

export function requestTopic(agentId: string): string {
  return `${TopicPrefix.request}${agentId}`;
}

export function answerTopic(requestId: string): string {
  return `${TopicPrefix.answer}${requestId}`;
}
