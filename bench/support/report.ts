export type Verdict = 'PASS' | 'MISS' | 'n/a';

/** One issue-5 target: a figure, the bound it must meet, and whether it did. */
export interface TargetResult {
  name: string;
  figure: number | null;
  unit: string;
  target: string;
  verdict: Verdict;
}

export function checkTarget(
  name: string,
  figure: number | null | undefined,
  unit: string,
  comparison: '<=' | '>=',
  limit: number,
): TargetResult {
  const known = figure !== null && figure !== undefined && !Number.isNaN(figure);
  const met = known && (comparison === '<=' ? figure <= limit : figure >= limit);
  return {
    name,
    figure: known ? figure : null,
    unit,
    target: `${comparison === '<=' ? (limit === 0 ? '=' : '≤') : '≥'} ${limit}${unit === '×' ? '×' : unit ? ` ${unit}` : ''}`,
    verdict: known ? (met ? 'PASS' : 'MISS') : 'n/a',
  };
}

export interface Row {
  label: string;
  value: string;
  target?: TargetResult;
}

export interface Section {
  title: string;
  rows: Row[];
  notes?: string[];
}

const LABEL = 48;
const VALUE = 42;
const TARGET = 14;

/** The printed table: one block per section, targets with PASS/MISS beside their figure. */
export function renderTable(sections: Section[]): string {
  const lines: string[] = [];
  const header = `${'figure'.padEnd(LABEL)}${'measured'.padEnd(VALUE)}${'target'.padEnd(TARGET)}result`;
  lines.push(header, '─'.repeat(header.length + 4));
  for (const section of sections) {
    lines.push(section.title);
    for (const row of section.rows) {
      const target = row.target ? row.target.target.padEnd(TARGET) + row.target.verdict : '';
      lines.push(`  ${row.label.padEnd(LABEL - 2)}${row.value.padEnd(VALUE)}${target}`.trimEnd());
    }
    for (const note of section.notes ?? []) {
      lines.push(`    · ${note}`);
    }
  }
  return lines.join('\n');
}

export function renderTargets(targets: TargetResult[]): string {
  const passed = targets.filter((target) => target.verdict === 'PASS').length;
  const missed = targets.filter((target) => target.verdict === 'MISS');
  const unknown = targets.filter((target) => target.verdict === 'n/a');
  const lines = [`targets: ${passed}/${targets.length} PASS`];
  missed.forEach((target) =>
    lines.push(`  MISS ${target.name}: ${target.figure} ${target.unit} (target ${target.target})`),
  );
  unknown.forEach((target) => lines.push(`  n/a  ${target.name}: not measurable in this mode`));
  return lines.join('\n');
}
