/** Most query words a search counts; a longer query is cut to its first ones. */
export const MAX_QUERY_WORDS = 32;

/**
 * The words of a text as search_findings matches them: runs of letters and digits, lowercased,
 * each once, in order of first appearance. `src/auth/login.ts` is src, auth, login, ts.
 */
export function searchWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}
