// The MPTCP option codec, like Linux net/mptcp/options.c but only its wire
// half: pure parse/emit with no connection state and no clock, in the
// two levels of smoltcp's wire/ module:
//
//   - one option:   parseOption(bytes) -> ParseResult, emitOption(o, out, offset),
//                   bufferLen(o), encodeOption(o)          (options/codec.ts)
//   - a TCP options area: parseMptcpOptions(area, segment?) -> the kernel's
//                   received-options record plus every option, emitTcpOptions
//                                                           (options/tcp-area.ts)
//
// One file per subtype under options/, named after the RFC 8684 section
// that defines its layout. Checks that need connection state (HMACs, keys,
// whether checksums were negotiated) are the engine's.

export type {
  AddAddr,
  Dss,
  DssMapping,
  MpCapable,
  MpFail,
  MpFastclose,
  MpJoin,
  MpJoinAck,
  MpJoinSyn,
  MpJoinSynAck,
  MpPrio,
  MpTcpRst,
  MptcpOption,
  ParseResult,
  RemoveAddr,
  SeqNum,
  UnknownOption,
} from './options/repr.js';
export { bufferLen, emitOption, encodeOption, parseOption } from './options/codec.js';
export { DssOption, dssExpectedLen, encodeDss } from './options/dss.js';
export { emptyReceivedOptions, receiveDssOption, type MutableReceivedOptions, type SegmentFlags } from './options/received.js';
export { emitTcpOptions, parseMptcpOptions, receiveMptcpOptions, type ParsedOptions, type TcpOption } from './options/tcp-area.js';
