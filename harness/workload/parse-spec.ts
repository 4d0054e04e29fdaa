// Checks the agent's argv JSON against spec.ts by hand: the agent starts in
// every namespace of every lab, so it avoids loading a schema library.
import { isIP } from 'node:net';
import type { AgentSpec, ClientSpec, Direction, ServerSpec, WritePattern } from './spec.js';

export class SpecError extends Error {
  override name = 'SpecError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(o: Obj, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SpecError(`${path}${key}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new SpecError(`${key}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function address(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || isIP(v) === 0) throw new SpecError(`${key}: expected an IPv4 or IPv6 address, got ${JSON.stringify(v)}`);
  return v;
}

const DIRECTIONS: readonly Direction[] = ['upload', 'download', 'both'];

export function parseAgentSpec(text: string | undefined): AgentSpec {
  if (text === undefined) throw new SpecError('missing argument: the agent spec as JSON');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SpecError(`spec is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(raw)) throw new SpecError('spec: expected a JSON object');
  const direction = raw['direction'];
  if (typeof direction !== 'string' || !(DIRECTIONS as readonly string[]).includes(direction)) {
    throw new SpecError(`direction: expected one of ${DIRECTIONS.join(', ')}, got ${JSON.stringify(direction)}`);
  }
  const w = raw['write'];
  if (!isObj(w)) throw new SpecError('write: expected an object {chunkBytes, pauseMs}');
  const write: WritePattern = {
    chunkBytes: int(w, 'chunkBytes', 'write.', 1, 64 * 1024 * 1024),
    pauseMs: int(w, 'pauseMs', 'write.', 0, 3_600_000),
  };
  const common = {
    mptcp: bool(raw, 'mptcp'),
    port: int(raw, 'port', '', 0, 65535),
    connections: int(raw, 'connections', '', 1, 100_000),
    direction: direction as Direction,
    sizeBytes: int(raw, 'sizeBytes', '', 0, Number.MAX_SAFE_INTEGER),
    seed: int(raw, 'seed', '', 0, 0xffffffff),
    write,
    timeoutMs: int(raw, 'timeoutMs', '', 1, 24 * 3_600_000),
  };
  if (raw['role'] === 'server') {
    const family = raw['family'];
    if (family !== 4 && family !== 6) throw new SpecError(`family: expected 4 or 6, got ${JSON.stringify(family)}`);
    const spec: ServerSpec = { role: 'server', family, ...common };
    return spec;
  }
  if (raw['role'] === 'client') {
    if (common.port === 0) throw new SpecError('port: a client needs the server port, got 0');
    const spec: ClientSpec = { role: 'client', address: address(raw, 'address'), ...common };
    if (raw['bind'] !== undefined) {
      spec.bind = address(raw, 'bind');
      if (isIP(spec.bind) !== isIP(spec.address)) throw new SpecError(`bind: ${spec.bind} is not of the family of address ${spec.address}`);
    }
    if (raw['abortAfterBytes'] !== undefined) spec.abortAfterBytes = int(raw, 'abortAfterBytes', '', 0, Number.MAX_SAFE_INTEGER);
    if (raw['holdStart'] !== undefined) {
      if (typeof raw['holdStart'] !== 'boolean')
        throw new SpecError(`holdStart: expected true or false, got ${JSON.stringify(raw['holdStart'])}`);
      spec.holdStart = raw['holdStart'];
    }
    return spec;
  }
  throw new SpecError(`role: expected "server" or "client", got ${JSON.stringify(raw['role'])}`);
}
