// The lab's timed events as shell functions of the exported script, built
// from the netns backend's own planning (eventIpCommands, planImpairmentChange):
// events_now runs the ones due at 0 ms (before the client's first byte, as the
// harness holds it), events_later sleeps to each later one, in the background.
import { describeEvent } from '../lab/describe-event.js';
import type { Lab, TimedEvent } from '../lab/model.js';
import { eventIpCommands } from '../targets/netns/events.js';
import { copyForEvents, planImpairmentChange, type PlannedCommand } from '../targets/netns/setup-plan.js';
import type { QdiscCaps } from '../tools/tc.js';
import { commandText, nsVar, varRef, word } from './shell.js';

/** A comment line: text a lab author wrote stays on one line. */
export function comment(text: string): string {
  return `# ${text.replace(/\s*\n\s*/g, ' ')}`;
}

/** The commands of one event; `lab` is the copy whose impairments the events change in turn. */
function eventLines(lab: Lab, ns: Record<string, string>, caps: QdiscCaps, e: TimedEvent): string[] {
  if (e.action === 'impair') return planImpairmentChange(lab, ns, caps, e.link, e.from, e.impairment).map(commandText);
  if (e.action === 'shell') {
    if (typeof e.command !== 'string') throw new Error('a shell step written as a TypeScript function cannot be exported');
    return [commandText({ argv: ['sh', '-c', e.command], netns: ns[e.host]! })];
  }
  const lines: string[] = [];
  let id = '';
  if (e.action === 'endpoint-delete' || e.action === 'backup') {
    // The kernel gave the endpoint its id: look it up by address, as the harness does.
    id = e.id !== undefined ? String(e.id) : varRef('id');
    if (e.id === undefined) lines.push(`id=$(endpoint_id ${word(ns[e.host]!)} ${word(e.address ?? '')})`);
  }
  const commands: PlannedCommand[] = (eventIpCommands(lab, e, id) ?? []).map((c) => ({ argv: ['ip', '-n', ns[c.host]!, ...c.words] }));
  return [...lines, ...commands.map(commandText)];
}

/** One function per event (a subshell under `set -e`: its first failing command fails the event). */
function eventFunction(index: number, e: TimedEvent, lines: string[]): string {
  // Only a command's first line is indented: a here-document's lines and end marker must stay as they are.
  const body = lines.map((l) => `  ${l}`);
  return [`event_${index}() (`, '  set -e', `  ${comment(`at ${e.atMs} ms: ${describeEvent(e)}`)}`, ...body, ')'].join('\n');
}

/** Runs event `index` and says on stderr that it was applied or failed, as the harness logs it. */
function call(index: number, e: TimedEvent): string {
  const what = `event at ${e.atMs} ms: ${describeEvent(e).replace(/\s*\n\s*/g, ' ')}`;
  return `  if event_${index}; then echo ${word(`${what}: applied`)} >&2; else echo ${word(`${what}: FAILED`)} >&2; fi`;
}

/** events_later runs in the background: ended by the script, it ends its sleep too. */
const LATER_TRAP = `  trap '[ -z "$SLEEP_PID" ] || kill "$SLEEP_PID" 2>/dev/null; exit 0' TERM`;

/** Seconds as sleep_s takes them ("0.250"). */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The events' functions, events_now and events_later; nothing when the lab has no events. */
export function eventsText(input: Lab, caps: QdiscCaps): string {
  if (!input.events.length) return '';
  const lab = copyForEvents(input);
  const ns = Object.fromEntries(lab.hosts.map((h) => [h.name, varRef(nsVar(h.name))]));
  // In time order, so each impairment change builds on the ones before it, as it does in a run.
  const events = [...lab.events].sort((a, b) => a.atMs - b.atMs);
  const functions = events.map((e, k) => eventFunction(k + 1, e, eventLines(lab, ns, caps, e)));
  const now = events.flatMap((e, k) => (e.atMs <= 0 ? [call(k + 1, e)] : []));
  const later: string[] = [];
  let at = 0;
  events.forEach((e, k) => {
    if (e.atMs <= 0) return;
    if (e.atMs > at) later.push(`  sleep_s ${seconds(e.atMs - at)}`);
    later.push(call(k + 1, e));
    at = e.atMs;
  });
  return [
    ...functions,
    `events_now() {\n${[...now, '  :'].join('\n')}\n}`,
    `events_later() {\n${[LATER_TRAP, ...later, '  :'].join('\n')}\n}`,
  ].join('\n\n');
}
