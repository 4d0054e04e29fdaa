// /init of the guest (busybox sh, PID 1): load the modules, mount the host's
// root read-only over 9p (tag hostroot) under a tmpfs overlay as the new
// root, run /cmd.sh (from the per-run archive) chrooted there with stdout on
// the virtio-serial port "results", stderr on "stderr", and "start <uptime>"
// / "exit <code>" lines on "status"; then power off.
export const HOSTROOT_TAG = 'hostroot';
export const PORT_RESULTS = 'results';
export const PORT_STDERR = 'stderr';
export const PORT_STATUS = 'status';
/** Where the per-run command script sits in the initramfs. */
export const CMD_PATH = 'cmd.sh';

/** Single-quote for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface CommandScriptOptions {
  argv: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** The per-run script, run by /bin/sh of the new root. */
export function commandScript(o: CommandScriptOptions): string {
  if (o.argv.length === 0) throw new Error('runInVm: empty command');
  const lines = ['export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'export HOME=/root', 'export TERM=dumb'];
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`runInVm: bad environment name ${JSON.stringify(k)}`);
    lines.push(`export ${k}=${shQuote(v)}`);
  }
  lines.push(`cd ${shQuote(o.cwd ?? '/')} || exit 126`);
  lines.push(`exec ${o.argv.map(shQuote).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export interface InitScriptOptions {
  /** Guest kernel release: lib/modules/<release> in the new root links to modulesDir. */
  release: string;
  /** The cache's lib/modules/<release> as seen through the 9p root (same path as on the host). */
  modulesDir: string | undefined;
}

export function initScript(o: InitScriptOptions): string {
  const link = o.modulesDir
    ? `rm -rf /newroot/lib/modules/${shQuote(o.release)} 2>/dev/null; mkdir -p /newroot/lib/modules && ln -s ${shQuote(o.modulesDir)} /newroot/lib/modules/${shQuote(o.release)} || log "cannot link modules"`
    : ': no modules';
  return `#!/bin/busybox sh
export PATH=/bin:/sbin
log() { echo "mptcp-lab-init: $*" > /dev/console; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/modules.load); do insmod /lib/modules/$m.ko || log "insmod $m failed"; done
port() {
  i=0
  while [ $i -lt 50 ]; do
    for d in /sys/class/virtio-ports/*; do
      if [ -e "$d/name" ] && [ "$(cat "$d/name")" = "$1" ]; then echo "/dev/\${d##*/}"; return 0; fi
    done
    sleep 0.1; i=$((i+1))
  done
  return 1
}
STATUS=$(port ${PORT_STATUS}) || { log "no virtio port ${PORT_STATUS}"; poweroff -f; }
RESULTS=$(port ${PORT_RESULTS}) || { log "no virtio port ${PORT_RESULTS}"; poweroff -f; }
STDERR=$(port ${PORT_STDERR}) || STDERR=/dev/console
exec 3>"$STATUS"
fail() { log "$*"; echo "fail $*" >&3; sync; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose ${HOSTROOT_TAG} /mnt/host || fail "mount 9p ${HOSTROOT_TAG}"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "mount tmpfs"
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot || fail "mount overlay"
mount -t proc proc /newroot/proc || fail "mount proc"
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
# /tmp stays the overlay's: the host's /tmp shows through (a checkout may live there), writes stay in the guest.
${link}
cp /${CMD_PATH} /newroot/run/mptcp-lab-cmd.sh || fail "no /${CMD_PATH}"
read up rest < /proc/uptime
echo "start $up" >&3
chroot /newroot /bin/sh /run/mptcp-lab-cmd.sh </dev/null >"$RESULTS" 2>"$STDERR"
code=$?
read up rest < /proc/uptime
echo "exit $code $up" >&3
exec 3>&-
sync
poweroff -f
`;
}
