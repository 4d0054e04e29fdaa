// GitHub Actions workflow commands for a run (printed when GITHUB_ACTIONS is
// set): an ::error per failed lab result, a ::warning per check that was
// only warned about and a ::notice per check that failed as a known kernel
// bug, so they show on the workflow's summary page and beside the lab file
// in a pull request.
import { knownBugLabel } from '../expect/known-bugs.js';
import { knownBugChecks, warningChecks, targetLabel, type LabResult } from '../result.js';
import { checkLine, failureMessage, labTitle } from './diagnostics.js';

/** Escapes a workflow command's message (%, CR, LF) and properties (also : and ,). */
export function escapeCommand(text: string, property = false): string {
  const out = text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
  return property ? out.replaceAll(':', '%3A').replaceAll(',', '%2C') : out;
}

function command(kind: 'error' | 'warning' | 'notice', file: string, title: string, message: string): string {
  return `::${kind} file=${escapeCommand(file, true)},title=${escapeCommand(title, true)}::${escapeCommand(message)}\n`;
}

export function githubAnnotations(results: readonly LabResult[]): string {
  let out = '';
  for (const r of results) {
    if (r.status === 'fail') out += command('error', r.file, labTitle(r), failureMessage(r));
    for (const c of warningChecks(r)) {
      out += command('warning', r.file, `${r.lab} [${targetLabel(r.target)}]`, `${checkLine(c)}: ${c.warning ?? ''}`);
    }
    for (const c of knownBugChecks(r)) {
      const bug = c.knownBug!;
      out += command('notice', r.file, `${r.lab} [${targetLabel(r.target)}]`, `${checkLine(c)}: known kernel bug: ${knownBugLabel(bug)}`);
    }
  }
  return out;
}
