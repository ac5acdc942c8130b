// What every part of the Linux addon shares: argument helpers, errno errors, per-env state.
// (binding.gyp defines _GNU_SOURCE for every file: recvmmsg, CPU_ALLOC, MCL_ONFAULT.)
#ifndef VIPD_COMMON_H
#define VIPD_COMMON_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "functions.h"

#define CHECK(call)                                                                     \
  do {                                                                                  \
    if ((call) != napi_ok) {                                                            \
      napi_throw_error(env, "EINTERNAL", "vipd_native: N-API call failed: " #call);    \
      return NULL;                                                                      \
    }                                                                                   \
  } while (0)

// An Error with `code` = errno name, `errno` and `syscall`, like Node's own.
napi_value make_errno_error(napi_env env, int err, const char *syscall);
napi_value throw_errno(napi_env env, int err, const char *syscall);

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int get_i32(napi_env env, napi_value v, int32_t *out);
int get_bool(napi_env env, napi_value v, bool *out);
int get_buf(napi_env env, napi_value v, void **data, size_t *len);
int is_nullish(napi_env env, napi_value v);
napi_value make_i32(napi_env env, int32_t v);
napi_value make_null(napi_env env);

// Receive scratch space, one per env (main thread and each worker that loads the addon), so
// concurrent receives never share a buffer. Allocated on first receive and reused: the kernel
// writes only the bytes it delivers, so untouched pages never become resident.
#define RECV_MAX (256 * 1024)   // one datagram (recvmsg)
#define BATCH_MAX 64            // datagrams per recvmmsg
#define BATCH_DATA (1024 * 1024) // data bytes per recvmmsg: slots of maxLen each
#define CONTROL_MAX 4096        // ancillary data per datagram

typedef struct {
  struct mmsghdr msgs[BATCH_MAX];
  struct iovec iov[BATCH_MAX];
  struct sockaddr_storage names[BATCH_MAX];
  char control[BATCH_MAX][CONTROL_MAX];
  char data[BATCH_DATA];
} recv_area_t;

// NULL (and a pending exception) when it cannot be allocated.
recv_area_t *recv_area(napi_env env);

// advert.c's per-env sender state (NULL until first used); NULL and a pending exception when the
// env has no state.
struct advert_state;
struct advert_state **advert_slot(napi_env env);

// An fd handle like socket()'s (close(handle) closes it; so does garbage collection).
napi_value wrap_fd(napi_env env, int fd, const char *what);

// Called once per env from init().
int env_state_init(napi_env env);

#define DECLARE(js, c) napi_value c(napi_env env, napi_callback_info info);
VIPD_FUNCTIONS(DECLARE)
#undef DECLARE

#endif
