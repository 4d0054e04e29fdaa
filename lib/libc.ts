// The C library's functions mptcp-lab calls through koffi (sockets made
// inside a lab namespace, netlink, setns), declared once: the signatures
// are the C prototypes, as koffi reads them.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

export const cSocket = libc.func('int socket(int domain, int type, int protocol)');
export const cBind = libc.func('int bind(int fd, const void *addr, uint32_t addrlen)');
export const cSetsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)');
export const cGetsockopt = libc.func('int getsockopt(int fd, int level, int name, void *val, _Inout_ uint32_t *len)');
export const cSend = libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
export const cRecv = libc.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)');
export const cClose = libc.func('int close(int fd)');
export const cIoctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
export const cIfNameToIndex = libc.func('unsigned int if_nametoindex(const char *ifname)');
export const cSetns = libc.func('int setns(int fd, int nstype)');
export const cUnshare = libc.func('int unshare(int flags)');
