// How the harness starts an agent: argv for spawnLong(argv, netns), and the
// reading of its stdout lines. Kept apart from agent.ts, which runs on import.
import { fileURLToPath } from 'node:url';
import type { AgentMessage, AgentSpec } from './spec.js';

/** The compiled entry point, next to this file in dist/harness/workload/. */
export const AGENT_SCRIPT = fileURLToPath(new URL('./agent.js', import.meta.url));

/** `node agent.js '<spec>'` with the running Node, for spawnLong(argv, netns). */
export function agentArgv(spec: AgentSpec): string[] {
  return [process.execPath, AGENT_SCRIPT, JSON.stringify(spec)];
}

const KINDS = new Set(['listening', 'connected', 'started', 'done', 'result']);

/** One stdout line as an AgentMessage; anything else is an error naming the line. */
export function parseAgentLine(line: string): AgentMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`agent printed a line that is not JSON: ${line.slice(0, 200)}`);
  }
  if (typeof v !== 'object' || v === null || !('kind' in v) || typeof v.kind !== 'string' || !KINDS.has(v.kind)) {
    throw new Error(`agent printed an unknown message: ${line.slice(0, 200)}`);
  }
  return v as AgentMessage;
}
