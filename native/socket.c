// Socket system calls. A socket is a plain non-blocking fd; socket() hands it out inside a small
// object that owns it: when that object is garbage-collected (or its env torn down, e.g. a worker
// exits) without close(), the finalizer closes the fd, so a dropped Socket never leaks one.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

typedef struct {
  int fd; // -1 once closed
} fd_owner_t;

static void fd_owner_finalize(napi_env env, void *data, void *hint) {
  fd_owner_t *o = data;
  if (o->fd >= 0) close(o->fd);
  free(o);
}

// socket(family, type, protocol) -> { fd }, always non-blocking and close-on-exec.
// An fd inside an object that owns it (closed by close(handle), or by the finalizer).
napi_value wrap_fd(napi_env env, int fd, const char *what) {
  fd_owner_t *o = malloc(sizeof *o);
  if (!o) {
    close(fd);
    return throw_errno(env, ENOMEM, what);
  }
  o->fd = fd;
  napi_value handle;
  napi_property_descriptor fd_prop = {"fd", NULL, NULL, NULL, NULL, make_i32(env, o->fd), napi_enumerable, NULL};
  if (napi_create_object(env, &handle) != napi_ok ||
      napi_define_properties(env, handle, 1, &fd_prop) != napi_ok ||
      napi_wrap(env, handle, o, fd_owner_finalize, NULL, NULL) != napi_ok) {
    close(o->fd);
    free(o);
    napi_throw_error(env, "EINTERNAL", "vipd_native: cannot create the fd handle");
    return NULL;
  }
  return handle;
}

napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t family, type, protocol;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &family) ||
      !get_i32(env, argv[1], &type) || !get_i32(env, argv[2], &protocol))
    return NULL;
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, errno, "socket");
  return wrap_fd(env, fd, "socket");
}

// close(handle): closes the fd now; the finalizer then has nothing left to do.
napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  fd_owner_t *o = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_unwrap(env, argv[0], (void **)&o) != napi_ok || !o) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a socket handle");
    return NULL;
  }
  if (o->fd < 0) return NULL;
  int fd = o->fd;
  o->fd = -1; // even when close fails: on Linux the fd is released either way
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

// detach(handle) -> fd: hands the fd over to its next owner (a net.Socket); the handle keeps
// nothing, so neither close() nor the finalizer can close an fd that is no longer ours.
napi_value js_detach(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  fd_owner_t *o = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_unwrap(env, argv[0], (void **)&o) != napi_ok || !o) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a socket handle");
    return NULL;
  }
  if (o->fd < 0) return throw_errno(env, EBADF, "detach");
  int fd = o->fd;
  o->fd = -1;
  return make_i32(env, fd);
}

// setsockopt(fd, level, name, value: int | Buffer)
napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) ||
      !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name))
    return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  int rc;
  if (t == napi_number) {
    int32_t v;
    if (!get_i32(env, argv[3], &v)) return NULL;
    int iv = v;
    rc = setsockopt(fd, level, name, &iv, sizeof iv);
  } else {
    void *data;
    size_t len;
    if (!get_buf(env, argv[3], &data, &len)) return NULL;
    rc = setsockopt(fd, level, name, data, (socklen_t)len);
  }
  if (rc < 0) return throw_errno(env, errno, "setsockopt");
  return NULL;
}

// getsockopt(fd, level, name, maxLen) -> Buffer of what the kernel wrote (maxLen <= 64 KiB).
napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, max;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) ||
      !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name) ||
      !get_i32(env, argv[3], &max))
    return NULL;
  if (max < 0 || max > 65536) max = 65536;
  char small[256];
  char *tmp = (size_t)max <= sizeof small ? small : malloc((size_t)max);
  if (!tmp) return throw_errno(env, ENOMEM, "getsockopt");
  socklen_t len = (socklen_t)max;
  napi_value out = NULL;
  if (getsockopt(fd, level, name, tmp, &len) < 0) throw_errno(env, errno, "getsockopt");
  else if (napi_create_buffer_copy(env, len, tmp, NULL, &out) != napi_ok)
    napi_throw_error(env, "EINTERNAL", "vipd_native: cannot create a Buffer");
  if (tmp != small) free(tmp);
  return out;
}

// bind(fd, sockaddr: Buffer)
napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *sa;
  size_t len;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) ||
      !get_buf(env, argv[1], &sa, &len))
    return NULL;
  if (bind(fd, (struct sockaddr *)sa, (socklen_t)len) < 0) return throw_errno(env, errno, "bind");
  return NULL;
}

// connect(fd, sockaddr: Buffer) -> 0 when connected, -1 when the connection is under way
// (EINPROGRESS on a non-blocking stream socket: writable once it is done, SO_ERROR says how).
napi_value js_connect(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *sa;
  size_t len;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) ||
      !get_buf(env, argv[1], &sa, &len))
    return NULL;
  int rc;
  do rc = connect(fd, (struct sockaddr *)sa, (socklen_t)len);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EINPROGRESS) return make_i32(env, -1);
    return throw_errno(env, errno, "connect");
  }
  return make_i32(env, 0);
}

// getsockname(fd) -> Buffer (raw sockaddr)
napi_value js_getsockname(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, errno, "getsockname");
  napi_value out;
  CHECK(napi_create_buffer_copy(env, len, &ss, NULL, &out));
  return out;
}

// sendmsg(fd, data: Buffer, sockaddr?: Buffer|null, control?: Buffer|null) -> bytes sent,
// or -1 when the socket would block (EAGAIN): the caller decides whether that is a drop.
napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: missing arguments");
    return NULL;
  }
  if (!get_i32(env, argv[0], &fd)) return NULL;
  struct iovec iov;
  size_t len;
  if (!get_buf(env, argv[1], &iov.iov_base, &len)) return NULL;
  iov.iov_len = len;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (argc > 2 && !is_nullish(env, argv[2])) {
    size_t n;
    if (!get_buf(env, argv[2], &msg.msg_name, &n)) return NULL;
    msg.msg_namelen = (socklen_t)n;
  }
  if (argc > 3 && !is_nullish(env, argv[3])) {
    size_t n;
    if (!get_buf(env, argv[3], &msg.msg_control, &n)) return NULL;
    msg.msg_controllen = n;
  }
  ssize_t rc;
  do rc = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_i32(env, -1);
    return throw_errno(env, errno, "sendmsg");
  }
  return make_i32(env, (int32_t)rc);
}

// --- receiving -----------------------------------------------------------------------------
// A datagram goes to JS as [data, addr, control, flags, length, clockOffset]: an array, not an
// object, since named properties would intern their key strings on every call. MSG_TRUNC is passed
// to the kernel so `length` is the datagram's real length; flags carry MSG_TRUNC / MSG_CTRUNC when
// the data / the ancillary data was cut. Only the bytes received are copied out of the scratch area.
// clockOffset is CLOCK_REALTIME minus CLOCK_MONOTONIC (ms), read right after the receive: a kernel
// receive timestamp (SO_TIMESTAMPNS, on the realtime clock) minus it is the packet's arrival on
// the monotonic clock.

static double clock_offset_ms(void) {
  struct timespec mono, real;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  int64_t ns = ((int64_t)real.tv_sec - (int64_t)mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
  return (double)ns / 1e6;
}

static int receive_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                        int32_t *fd, int32_t *max, int32_t *cmax) {
  if (!get_args(env, info, want, argv) || !get_i32(env, argv[0], fd) ||
      !get_i32(env, argv[1], max) || !get_i32(env, argv[2], cmax))
    return 0;
  if (*max <= 0 || *max > RECV_MAX) *max = RECV_MAX;
  if (*cmax < 0 || *cmax > CONTROL_MAX) *cmax = CONTROL_MAX;
  return 1;
}

static void prepare(recv_area_t *a, int i, char *data, int32_t max, int32_t cmax) {
  struct msghdr *m = &a->msgs[i].msg_hdr;
  a->iov[i].iov_base = data;
  a->iov[i].iov_len = (size_t)max;
  memset(m, 0, sizeof *m);
  m->msg_name = &a->names[i];
  m->msg_namelen = sizeof a->names[i];
  m->msg_iov = &a->iov[i];
  m->msg_iovlen = 1;
  m->msg_control = cmax ? a->control[i] : NULL;
  m->msg_controllen = (size_t)cmax;
}

static napi_value make_message(napi_env env, recv_area_t *a, int i, size_t length, napi_value offset) {
  struct msghdr *m = &a->msgs[i].msg_hdr;
  size_t got = length > a->iov[i].iov_len ? a->iov[i].iov_len : length;
  size_t namelen = m->msg_namelen > sizeof a->names[i] ? sizeof a->names[i] : m->msg_namelen;
  napi_value out, data, addr, ctl;
  CHECK(napi_create_buffer_copy(env, got, a->iov[i].iov_base, NULL, &data));
  CHECK(napi_create_buffer_copy(env, namelen, &a->names[i], NULL, &addr));
  CHECK(napi_create_buffer_copy(env, m->msg_controllen, a->control[i], NULL, &ctl));
  CHECK(napi_create_array_with_length(env, 6, &out));
  napi_set_element(env, out, 0, data);
  napi_set_element(env, out, 1, addr);
  napi_set_element(env, out, 2, ctl);
  napi_set_element(env, out, 3, make_i32(env, m->msg_flags));
  napi_set_element(env, out, 4, make_i32(env, length > INT32_MAX ? INT32_MAX : (int32_t)length));
  napi_set_element(env, out, 5, offset);
  return out;
}

// recvmsg(fd, maxLen, controlLen) -> one datagram, or null when nothing is queued (EAGAIN).
napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, max, cmax;
  if (!receive_args(env, info, 3, argv, &fd, &max, &cmax)) return NULL;
  recv_area_t *a = recv_area(env);
  if (!a) return NULL;
  prepare(a, 0, a->data, max, cmax);
  ssize_t rc;
  do rc = recvmsg(fd, &a->msgs[0].msg_hdr, MSG_DONTWAIT | MSG_TRUNC);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_null(env);
    return throw_errno(env, errno, "recvmsg");
  }
  napi_value offset;
  CHECK(napi_create_double(env, clock_offset_ms(), &offset));
  return make_message(env, a, 0, (size_t)rc, offset);
}

// recvmmsg(fd, maxLen, controlLen, count) -> up to `count` queued datagrams in one call, or null
// when nothing is queued. Fewer than asked when the queue ran dry, or when count slots of maxLen
// bytes do not fit the scratch area (BATCH_DATA / maxLen, at least 4).
napi_value js_recvmmsg(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, max, cmax, count;
  if (!receive_args(env, info, 4, argv, &fd, &max, &cmax) || !get_i32(env, argv[3], &count)) return NULL;
  int32_t fit = BATCH_DATA / max;
  if (count > fit) count = fit;
  if (count > BATCH_MAX) count = BATCH_MAX;
  if (count < 1) count = 1;
  recv_area_t *a = recv_area(env);
  if (!a) return NULL;
  for (int i = 0; i < count; i++) prepare(a, i, a->data + (size_t)i * (size_t)max, max, cmax);
  int rc;
  do rc = recvmmsg(fd, a->msgs, (unsigned)count, MSG_DONTWAIT | MSG_TRUNC, NULL);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_null(env);
    return throw_errno(env, errno, "recvmmsg");
  }
  if (rc == 0) return make_null(env);
  napi_value out, offset;
  CHECK(napi_create_double(env, clock_offset_ms(), &offset));
  CHECK(napi_create_array_with_length(env, (size_t)rc, &out));
  for (int i = 0; i < rc; i++) {
    napi_value m = make_message(env, a, i, a->msgs[i].msg_len, offset);
    if (!m) return NULL;
    napi_set_element(env, out, (uint32_t)i, m);
  }
  return out;
}
