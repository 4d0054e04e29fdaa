// Runs a server and a client agent in this process, their sockets made inside
// the given namespaces, and collects what they reported.
import { inNamespace } from '../../../harness/targets/netns/enter.js';
import { startAgent, type Agent } from '../../../harness/workload/agent.js';
import type { AgentMessage, AgentResult, AgentSpec, ClientSpec, ServerSpec } from '../../../harness/workload/spec.js';

export interface AgentEnd {
  messages: AgentMessage[];
  result: AgentResult;
}

/** An agent in namespace ns, with the messages it reported so far. */
export function agentIn(ns: string, spec: AgentSpec): { agent: Agent; messages: AgentMessage[]; end: Promise<AgentEnd> } {
  const messages: AgentMessage[] = [];
  const agent = startAgent(spec, { makeSocket: (fn) => inNamespace(ns, fn), onMessage: (m) => messages.push(m) });
  return { agent, messages, end: agent.result.then((result) => ({ messages, result })) };
}

/** Server first, then the client on the port it listens on; both to the end. */
export async function runPair(
  serverNs: string,
  server: Omit<ServerSpec, 'port'>,
  clientNs: string,
  client: Omit<ClientSpec, 'port'>,
): Promise<{ server: AgentEnd; client: AgentEnd }> {
  const s = agentIn(serverNs, { ...server, port: 0 });
  await s.agent.waitFor('listening', 5_000);
  const c = agentIn(clientNs, { ...client, port: s.agent.port! });
  const [clientEnd, serverEnd] = await Promise.all([c.end, s.end]);
  return { server: serverEnd, client: clientEnd };
}
