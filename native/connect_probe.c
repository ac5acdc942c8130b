// TCP connect probes in bulk: tens of thousands of health checks a minute, each a socket that
// only has to connect. One epoll set holds every connect under way (Node watches the set's fd
// with watch(), one uv_poll for all), so an attempt costs a few system calls and no JS object
// beyond its fd number. Syscalls only: when to connect, the deadlines and what a result means
// are TypeScript's (src/health/connect-set.ts).
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"

// epollCreate() -> handle { fd } (closed by close(handle) or garbage collection). Closing it
// does not close the sockets it holds.
napi_value js_epoll_create(napi_env env, napi_callback_info info) {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "epoll_create1");
  return wrap_fd(env, fd, "epoll_create1");
}

// Which call failed, in the high bits of connectProbe's negative result.
enum { STEP_CONNECT = 0, STEP_SOCKET = 1, STEP_BINDTODEVICE = 2, STEP_MARK = 3, STEP_BIND = 4, STEP_EPOLL = 5 };

static int32_t failure(int fd, int step, int err) {
  if (fd >= 0) close(fd);
  return -(int32_t)((step << 16) | (err & 0xffff));
}

// connectProbe(epfd, family, peer: Buffer, local: Buffer|null, ifname: Buffer|null, mark: number|null)
// -> fd >= 0 of a non-blocking TCP socket whose connect is under way (or done) and which sits
// in the epoll set (EPOLLOUT: done, SO_ERROR says how); or -(step << 16 | errno) when a step
// failed (the socket is then closed). ifname is NUL-terminated (SO_BINDTODEVICE); mark is SO_MARK.
napi_value js_connect_probe(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t epfd, family;
  void *peer, *local = NULL, *ifname = NULL;
  size_t peer_len, local_len = 0, ifname_len = 0;
  uint32_t mark = 0;
  bool marked = false;
  if (!get_args(env, info, 6, argv) || !get_i32(env, argv[0], &epfd) || !get_i32(env, argv[1], &family) ||
      !get_buf(env, argv[2], &peer, &peer_len))
    return NULL;
  if (!is_nullish(env, argv[3]) && !get_buf(env, argv[3], &local, &local_len)) return NULL;
  if (!is_nullish(env, argv[4]) && !get_buf(env, argv[4], &ifname, &ifname_len)) return NULL;
  if (!is_nullish(env, argv[5])) {
    if (napi_get_value_uint32(env, argv[5], &mark) != napi_ok) {
      napi_throw_type_error(env, "EINVAL", "vipd_native: expected a mark");
      return NULL;
    }
    marked = true;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_i32(env, failure(-1, STEP_SOCKET, errno));
  if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)ifname_len) < 0)
    return make_i32(env, failure(fd, STEP_BINDTODEVICE, errno));
  if (marked) {
    int m = (int)mark;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof m) < 0) return make_i32(env, failure(fd, STEP_MARK, errno));
  }
  if (local && bind(fd, (struct sockaddr *)local, (socklen_t)local_len) < 0) return make_i32(env, failure(fd, STEP_BIND, errno));
  int rc;
  do rc = connect(fd, (struct sockaddr *)peer, (socklen_t)peer_len);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINPROGRESS) return make_i32(env, failure(fd, STEP_CONNECT, errno));
  struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return make_i32(env, failure(fd, STEP_EPOLL, errno));
  return make_i32(env, fd);
}

#define REAP_MAX 256

// connectResults(epfd, out: Int32Array) -> n: up to out.length / 2 connects that are done, each
// closed (which also takes it out of the set) after reading its SO_ERROR: out[2i] = fd,
// out[2i + 1] = 0 (connected) or the errno (ECONNREFUSED...). 0 when none is done.
napi_value js_connect_results(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t epfd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &epfd)) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected an Int32Array");
    return NULL;
  }
  int32_t *out = data;
  int max = (int)(length / 2);
  if (max > REAP_MAX) max = REAP_MAX;
  if (max < 1) return make_i32(env, 0);
  struct epoll_event evs[REAP_MAX];
  int n;
  do n = epoll_wait(epfd, evs, max, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "epoll_wait");
  for (int i = 0; i < n; i++) {
    int fd = evs[i].data.fd;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    // Hung up with no error recorded: the peer reset a connection that had been made.
    else if (!err && (evs[i].events & EPOLLERR)) err = ECONNRESET;
    close(fd);
    out[2 * i] = fd;
    out[2 * i + 1] = err;
  }
  return make_i32(env, n);
}

// closeFd(fd): a connect given up (its deadline passed); close also takes it out of the set.
napi_value js_close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}
