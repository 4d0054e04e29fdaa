// The simulator's public surface.
export { EventQueue, type QueueEntry } from './event-queue.js';
export { Prng } from './prng.js';
export {
  Link,
  LinkDirection,
  linkParams,
  DEFAULT_LINK_PARAMS,
  DEFAULT_QUEUE_MS,
  type LinkParams,
  type LinkParamsInput,
  type LinkCounters,
  type PayloadRewrite,
  type LinkDirectionName,
  type LinkEnd,
  type Packet,
  type DropReason,
} from './link.js';
export {
  Network,
  SimNode,
  ethernetIpOverhead,
  type NetworkOptions,
  type NetworkCounters,
  type LinkOptions,
  type LinkEndSpec,
  type PacketHandler,
  type SimInterface,
  type InterfaceAddress,
  type Timer,
  type TraceEvent,
  type TraceKind,
} from './network.js';
