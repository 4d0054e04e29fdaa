// A selftest script's TAP (TAP 13, one point per subtest, printed by
// mptcp_lib.sh at the end of the script after its human-readable log) read
// with tap-parser as it streams, each point made a check of the suite's
// result (harness/result.ts CheckResult), so every reporter treats a
// subtest like a lab check.
//
//   ok 1 - diag: listen match # time=10ms       a passed check
//   not ok 2 - diag: after MPC handshake        a failed check
//   ok 3 - diag: chk last_data_sent # SKIP ...  a skipped check
//   ok 4 - join: ... # IGNORE Flaky             a skip: the script did not judge it
//   ok 5 - ... # XFAIL reason                   a skip: an expected failure is no pass
import { Parser, type Result } from 'tap-parser';
import type { CheckResult } from '../../result.js';

/** The script's timing suffix (`time=10ms`), which is no reason. */
const TIME = /\s*\btime=\d+ms\s*$/;
/** Directives tap-parser leaves in the name. */
const UNJUDGED = /\s+#\s*(XFAIL|IGNORE)\b\s*(.*)$/;

/** One TAP point as a check of the suite `suite`. */
export function subtestCheck(a: Pick<Result, 'ok' | 'id' | 'name' | 'skip' | 'todo'>, suite: string): CheckResult {
  const source = `${suite} TAP point ${a.id}`;
  const base = { expected: 'ok', actual: a.ok ? 'ok' : 'not ok', source };
  const unjudged = UNJUDGED.exec(a.name);
  const name = (unjudged ? a.name.slice(0, unjudged.index) : a.name).trim();
  if (a.skip !== false)
    return { name, ok: true, ...base, skip: String(a.skip === true ? '' : a.skip).replace(TIME, '') || 'skipped by the script' };
  if (unjudged) return { name, ok: true, ...base, skip: `${unjudged[1]} ${(unjudged[2] ?? '').replace(TIME, '')}`.trim() };
  if (a.todo !== false) return { name, ok: true, ...base, warning: `TODO ${String(a.todo === true ? '' : a.todo)}`.trim() };
  return { name, ok: a.ok, ...base };
}

/** What a script's TAP said: its points as checks, and its plan. */
export interface SuiteTap {
  checks: CheckResult[];
  /** The plan's count; undefined when the script printed no plan. */
  planned: number | undefined;
  bailout: string | undefined;
}

/** Reads one script's stdout as it comes: write() the chunks, end() for what it said. */
export class SuiteTapReader {
  private readonly parser = new Parser();
  private readonly checks: CheckResult[] = [];
  private planned: number | undefined;
  private bailout: string | undefined;

  constructor(
    private readonly suite: string,
    onCheck: (c: CheckResult) => void = () => {},
  ) {
    this.parser.on('assert', (a: Result) => {
      const c = subtestCheck(a, suite);
      this.checks.push(c);
      onCheck(c);
    });
    this.parser.on('plan', (p: { start: number; end: number }) => {
      this.planned = p.end - p.start + 1;
    });
    this.parser.on('bailout', (reason: string) => {
      this.bailout = reason || 'bail out';
    });
  }

  write(chunk: string): void {
    this.parser.write(chunk);
  }

  end(): SuiteTap {
    this.parser.end();
    return { checks: this.checks, planned: this.planned, bailout: this.bailout };
  }
}
