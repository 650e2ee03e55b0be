/** 1000 → "1,000": limits in messages are read by people. */
export function grouped(n: number): string {
  return n.toLocaleString('en-US');
}
