// The net.mptcp sysctls that change what the engine does, with the kernel's
// defaults (net/mptcp/ctrl.c, Documentation/networking/mptcp-sysctl.rst).
// One MptcpCtrl per endpoint, like one per network namespace.

export interface MptcpCtrl {
  /** net.mptcp.enabled: MPTCP sockets can be created. Off: connect/listen with mptcp fail (ENOPROTOOPT). */
  readonly enabled: boolean;
  /** net.mptcp.checksum_enabled: ask for DSS checksums (flag A of MP_CAPABLE, RFC 8684 §3.1). */
  readonly checksumEnabled: boolean;
  /** net.mptcp.add_addr_timeout, seconds: when an unechoed ADD_ADDR is sent again (for the PM). */
  readonly addAddrTimeoutS: number;
  /** net.mptcp.allow_join_initial_addr_port: off sets flag C (deny join to address ID 0). */
  readonly allowJoinInitialAddrPort: boolean;
  /** net.mptcp.stale_loss_cnt: retransmission timeouts without progress before a subflow is stale. */
  readonly staleLossCnt: number;
  /** net.mptcp.close_timeout, seconds: how long an msk without subflows lingers before closing. */
  readonly closeTimeoutS: number;
  /** net.mptcp.syn_retrans_before_tcp_fallback: MP_CAPABLE SYN timeouts before the SYN goes without it. */
  readonly synRetransBeforeTcpFallback: number;
  /**
   * net.mptcp.pm_type: 0 the in-kernel path manager, 1 the userspace one (engine/pm-userspace.ts).
   * Newer kernels name it net.mptcp.path_manager ("kernel" / "userspace"); both are kept in step.
   */
  readonly pmType: 0 | 1;
  /** net.mptcp.path_manager: the same choice by name. */
  readonly pathManager: 'kernel' | 'userspace';
}

export const DEFAULT_CTRL: MptcpCtrl = Object.freeze({
  enabled: true,
  checksumEnabled: false,
  addAddrTimeoutS: 120,
  allowJoinInitialAddrPort: true,
  staleLossCnt: 4,
  closeTimeoutS: 60,
  synRetransBeforeTcpFallback: 2,
  pmType: 0,
  pathManager: 'kernel',
});

/** Defaults with the given values over them; throws RangeError on a value the kernel would refuse. */
export function mptcpCtrl(input: Partial<MptcpCtrl> = {}): MptcpCtrl {
  const c: MptcpCtrl = { ...DEFAULT_CTRL, ...input, ...pathManagerOf(input) };
  for (const k of ['addAddrTimeoutS', 'staleLossCnt', 'closeTimeoutS', 'synRetransBeforeTcpFallback'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new RangeError(`net.mptcp ${k}: an integer >= 0, got ${c[k]}`);
  }
  if (c.staleLossCnt < 1) throw new RangeError(`net.mptcp stale_loss_cnt: at least 1, got ${c.staleLossCnt}`);
  return Object.freeze(c);
}

const PATH_MANAGERS = ['kernel', 'userspace'] as const;

/** pm_type and path_manager from whichever was given (the kernel sets one when the other is written). */
function pathManagerOf(input: Partial<MptcpCtrl>): Pick<MptcpCtrl, 'pmType' | 'pathManager'> {
  const { pmType, pathManager } = input;
  if (pmType !== undefined && pmType !== 0 && pmType !== 1)
    throw new RangeError(`net.mptcp pm_type: 0 (kernel) or 1 (userspace), got ${String(pmType)}`);
  if (pathManager !== undefined && !PATH_MANAGERS.includes(pathManager)) {
    throw new RangeError(`net.mptcp path_manager: "kernel" or "userspace", got ${JSON.stringify(pathManager)}`);
  }
  const fromName = pathManager === undefined ? undefined : pathManager === 'userspace' ? 1 : 0;
  if (pmType !== undefined && fromName !== undefined && pmType !== fromName) {
    throw new RangeError(`net.mptcp pm_type ${pmType} and path_manager "${String(pathManager)}" disagree`);
  }
  const type = pmType ?? fromName ?? DEFAULT_CTRL.pmType;
  return { pmType: type, pathManager: type === 1 ? 'userspace' : 'kernel' };
}
