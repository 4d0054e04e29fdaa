// The engine's public entry: everything outside engine/ imports from here.
// The endpoint (sans-IO: handle/pollTransmit/pollTimeout/handleTimeout/poll),
// its events, path managers and sysctls, the option codec, the crypto, the
// byte helpers, the seeded randomness, and the discrete-event simulator it
// runs on.
export { MptcpEndpoint, EngineError, type Datagram, type EndpointOptions, type ConnectOptions } from './endpoint.js';
export { ERRNO, type ConnectionId, type EngineEvent, type PmEvent, type PmEventKind } from './events.js';
export type { MptcpConnectionInfo, SubflowInfo } from './msk-info.js';
export { addrText } from './pm.js';
export { KernelPm, type PmEndpoint, type PmEndpointConfig, type PmEndpointFlag, type PmLimits } from './pm-kernel.js';
export { DEFAULT_CTRL, mptcpCtrl, type MptcpCtrl } from './ctrl.js';
export { SplitMix64, Xoshiro256StarStar, type RandomSource } from './random.js';
export * as options from './options.js';
export * as crypto from './crypto.js';
export { expandSeq } from './msk-recv.js';
export {
  parseIp,
  parseIpv4,
  parseIpv6,
  parseScopedIp,
  parsePrefix,
  prefixContains,
  maskBytes,
  sameIp,
  ipOrThrow,
  ipBytes,
  isV4Mapped,
  unmapV4,
  formatIp,
  formatIpv4,
  formatIpv6,
  canonicalIp,
  type IpAddress,
  type IpFamily,
  type IpPrefix,
  type ScopedIpAddress,
} from './addr.js';
export { be32Bytes, be64Bytes, bytesEqual, concat, fromHex, getBe16, getBe32, getBe64, putBe16, putBe32, putBe64, toHex } from './bytes.js';
export * from './sim/index.js';
