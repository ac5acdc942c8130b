// File and process descriptors for src/vrrp/track and src/vrrp/notify-fifo: pidfd_open(2) (a
// descriptor that becomes readable when the process exits: vrrp_track_process notices an exit at
// once without the proc connector) and mkfifo(3) (notify FIFOs; Node has no call for it).
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 // the same number on every architecture (Linux 5.3)
#endif

// pidfdOpen(pid) -> handle { fd } (like socket()'s: close(handle) closes it).
napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &pid)) return NULL;
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) return throw_errno(env, errno, "pidfd_open");
  return wrap_fd(env, (int)fd, "pidfd_open");
}

// mkfifo(path, mode): the mode is filtered by the umask, as mkfifo(3) does.
napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t mode;
  size_t len;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[1], &mode)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a path string");
    return NULL;
  }
  char *path = malloc(len + 1);
  if (!path) return throw_errno(env, ENOMEM, "mkfifo");
  napi_get_value_string_utf8(env, argv[0], path, len + 1, &len);
  int rc = mkfifo(path, (mode_t)mode);
  int err = errno;
  free(path);
  if (rc < 0) return throw_errno(env, err, "mkfifo");
  return NULL;
}
