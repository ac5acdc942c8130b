// LD_PRELOAD for Debian's linux.uml (6.1) on hosts whose XSAVE area is larger than UML knows
// (AMX: the host's ptrace NT_X86_XSTATE regset is 11,008 bytes, UML's buffer 2,696).
// The host kernel accepts PTRACE_SETREGSET of NT_X86_XSTATE only with exactly its full size
// (EFAULT otherwise): UML panics at its first guest process ("ptrace set fp regs failed,
// errno = 14"). This pads UML's buffer with zeros to the host's size. The padding is never
// state: the components past UML's buffer (AMX tiles) are marked absent in the XSAVE header
// UML read, and a guest cannot enable them (UML has no ARCH_REQ_XCOMP_PERM), so the kernel
// sets them to their initial state, as it would have. GETREGSET with UML's shorter buffer
// already works (the kernel truncates). Everything else passes straight through.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

#define XSTATE_MAX 65536

long ptrace(enum __ptrace_request req, ...) {
  static ptrace_fn real;
  static size_t host_size; // learnt from the first GETREGSET with a buffer larger than any host's
  static __thread unsigned char buf[XSTATE_MAX];
  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  if (!real) real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
  if (req != PTRACE_SETREGSET || (uintptr_t)addr != NT_X86_XSTATE) return real(req, pid, addr, data);

  struct iovec *iov = data;
  if (!host_size) {
    struct iovec probe = {buf, sizeof buf};
    if (real(PTRACE_GETREGSET, pid, addr, &probe) < 0) return -1;
    host_size = probe.iov_len;
  }
  if (iov->iov_len >= host_size || iov->iov_len > sizeof buf) return real(req, pid, addr, data);
  memcpy(buf, iov->iov_base, iov->iov_len);
  memset(buf + iov->iov_len, 0, host_size - iov->iov_len);
  struct iovec full = {buf, host_size};
  return real(req, pid, addr, &full);
}
