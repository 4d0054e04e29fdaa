// GitHub keeps at most 1 MiB of a step's summary ($GITHUB_STEP_SUMMARY) and
// shows an error instead of a larger one. The summary is cut between its
// blocks (merged-summary.ts: a table row, one failure's <details>), never
// inside one, with a note that says so and where the whole one is.

/** GitHub's limit on a step summary, in bytes. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The note that ends a cut summary. */
export function cutNote(omitted: number): string {
  return `\n> **Cut here:** this summary is over GitHub's 1 MiB limit for a step summary; ${omitted} more part${omitted === 1 ? '' : 's'} (table rows, failures) are in summary.md of the merged results.\n`;
}

/** The blocks joined, cut to at most `limit` bytes (note included) when they are longer. */
export function fitSummary(blocks: readonly string[], limit = STEP_SUMMARY_LIMIT): { text: string; cut: boolean } {
  const whole = blocks.join('');
  if (bytes(whole) <= limit) return { text: whole, cut: false };
  let text = '';
  let used = 0;
  for (const [i, block] of blocks.entries()) {
    const note = cutNote(blocks.length - i);
    if (used + bytes(block) + bytes(note) > limit) return { text: text + note, cut: true };
    text += block;
    used += bytes(block);
  }
  return { text, cut: false };
}
