// Kernel trouble in a console log: oopses, BUG/WARNING splats, KASAN and
// kmemleak reports, panics, hung tasks, RCU stalls. Each report is one
// string: the line that opened it plus the following lines of the splat.
const OPENERS: readonly RegExp[] = [
  /\bOops\b/,
  /\bBUG:/,
  /\bWARNING: CPU: \d+/,
  /Kernel panic - not syncing/,
  /\bgeneral protection fault\b/,
  /\bUnable to handle kernel\b/,
  /\bKASAN:/,
  /\bUBSAN:/,
  /kmemleak: \d+ new suspected memory leaks/,
  /unreferenced object 0x/,
  /INFO: task .* blocked for more than/,
  /rcu: INFO: rcu_\w+ detected stalls/,
  /\bsoft lockup\b/,
  /\bhard LOCKUP\b/,
];
const TRACE = /Call Trace:/;
const SPLAT_END = /---\[ end (trace|Kernel panic)/;
const MAX_LINES = 40;

/** Strips the "[   12.345678] " printk time prefix. */
function body(line: string): string {
  return line.replace(/^\[\s*\d+\.\d+\]\s?/, '');
}

export function findTrouble(console: string): string[] {
  const lines = console.split(/\r?\n/);
  const reports: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const opens = OPENERS.some((r) => r.test(line)) || TRACE.test(line);
    if (!opens) {
      i += 1;
      continue;
    }
    const chunk = [body(line)];
    let j = i + 1;
    while (j < lines.length && chunk.length < MAX_LINES) {
      const l = lines[j] ?? '';
      if (OPENERS.some((r) => r.test(l))) break;
      if (body(l).trim() === '') break;
      chunk.push(body(l));
      j += 1;
      if (SPLAT_END.test(l)) break;
    }
    reports.push(chunk.join('\n').trimEnd());
    i = j;
  }
  return reports;
}
