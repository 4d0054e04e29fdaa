// JUnit XML for CI systems: one <testsuite> per target, one <testcase> per lab
// result (classname = the lab's group). A flaky lab passes, with a note in
// <system-out>; a failed lab has <failure message=...>details</failure>.
import { writeFile } from 'node:fs/promises';
import { knownBugLabel } from '../expect/known-bugs.js';
import { knownBugChecks, targetLabel, warningChecks, type LabResult, type RunInfo, type RunResult } from '../result.js';
import { checkLine, failedChecks, failureMessage, flakyNote, relevantCounters, replayOf } from './diagnostics.js';
import { notReproducedNotes } from './known-bugs.js';

/** Characters XML 1.0 cannot hold at all, even escaped. */
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape element text. */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Escape an attribute value (quotes, and whitespace that attributes would normalize away). */
export function xmlAttr(s: string): string {
  return xmlText(s)
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;')
    .replaceAll('\t', '&#9;');
}

function attrs(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function failureBody(r: LabResult, seed: number): string {
  const lines = [failureMessage(r)];
  for (const c of failedChecks(r)) lines.push(`  ${checkLine(c)}`);
  const counters = relevantCounters(r);
  if (counters) {
    lines.push('counters:');
    for (const [host, values] of Object.entries(counters)) {
      for (const [name, value] of Object.entries(values)) lines.push(`  ${host} ${name} = ${value}`);
    }
  }
  if (r.log) lines.push(`log: ${r.log}`);
  lines.push(`seed: ${seed}`, `replay: ${replayOf(r, seed)}`);
  return lines.join('\n');
}

function testcase(r: LabResult, seed: number): string[] {
  const name = r.repeat > 0 ? `${r.lab} (repeat ${r.repeat})` : r.lab;
  const open = `    <testcase${attrs({ name, classname: r.group, time: seconds(r.durationMs), file: r.file })}`;
  switch (r.status) {
    case 'pass': {
      const lines = [
        ...warningChecks(r).map((c) => `warning: ${checkLine(c)}: ${c.warning}`),
        ...knownBugChecks(r).map((c) => `known kernel bug: ${checkLine(c)}: ${knownBugLabel(c.knownBug!)}`),
        ...notReproducedNotes(r),
      ];
      if (!lines.length) return [`${open}/>`];
      const text = lines.join('\n');
      return [`${open}>`, `      <system-out>${xmlText(text)}</system-out>`, '    </testcase>'];
    }
    case 'skip':
      return [`${open}>`, `      <skipped${attrs({ message: r.skipReason ?? 'skipped' })}/>`, '    </testcase>'];
    case 'flaky':
      return [`${open}>`, `      <system-out>${xmlText(`${flakyNote(r)} (${r.attempts} attempts)`)}</system-out>`, '    </testcase>'];
    case 'fail':
      return [
        `${open}>`,
        `      <failure${attrs({ message: failureMessage(r), type: r.error ? 'error' : 'checks' })}>${xmlText(failureBody(r, seed))}</failure>`,
        '    </testcase>',
      ];
  }
}

function counts(results: readonly LabResult[]): Record<string, string | number> {
  const ms = results.reduce((sum, r) => sum + r.durationMs, 0);
  return {
    tests: results.length,
    failures: results.filter((r) => r.status === 'fail').length,
    errors: 0,
    skipped: results.filter((r) => r.status === 'skip').length,
    time: seconds(ms),
  };
}

export interface JunitOptions {
  /** The run each result came from when there are several (a merged report): its seed, machine and start. */
  runOf?: (r: LabResult) => RunInfo;
}

/** The values of a suite's runs, once each, in order: "42" for one run, "42,7" for two. */
function joined(results: readonly LabResult[], runOf: (r: LabResult) => RunInfo, value: (run: RunInfo) => string | number): string {
  return [...new Set(results.map((r) => String(value(runOf(r)))))].join(',');
}

export function formatJunit(run: RunResult, options: JunitOptions = {}): string {
  const runOf = options.runOf ?? (() => run.run);
  const byTarget = new Map<string, LabResult[]>();
  for (const r of run.results) {
    const label = targetLabel(r.target);
    const list = byTarget.get(label) ?? [];
    list.push(r);
    byTarget.set(label, list);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: run.run.tool, ...counts(run.results) })}>`];
  for (const [label, results] of byTarget) {
    const t = results[0]?.target;
    const started = results.map((r) => runOf(r).started).sort()[0] ?? run.run.started;
    const hostname = joined(results, runOf, (x) => x.machine.hostname);
    out.push(`  <testsuite${attrs({ name: label, ...counts(results), timestamp: started, hostname })}>`);
    out.push('    <properties>');
    const props: Record<string, string | number | undefined> = {
      seed: joined(results, runOf, (x) => x.seed),
      'target.kind': t?.kind,
      'target.spec': t?.spec,
      'target.version': t?.version,
      'target.backend': t?.backend,
      'tool.version': run.run.version,
    };
    for (const [k, v] of Object.entries(props)) {
      if (v !== undefined) out.push(`      <property${attrs({ name: k, value: v })}/>`);
    }
    out.push('    </properties>');
    for (const r of results) out.push(...testcase(r, runOf(r).seed));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

export async function writeJunit(path: string, run: RunResult): Promise<void> {
  await writeFile(path, formatJunit(run));
}
