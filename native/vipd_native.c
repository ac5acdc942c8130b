// vipd native addon: syscalls only. Every protocol and struct layout lives in TypeScript
// (src/netif/native.ts and friends); this file moves bytes between Node and the kernel.
//
// Sockets are plain non-blocking file descriptors. Readiness comes from libuv's uv_poll
// on the Node event loop: no threads, no timers. Errors are thrown as Error objects with
// `code` = errno name (EPERM, ENODEV...), `errno` and `syscall`, like Node's own.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "EINTERNAL", "vipd_native: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  const char *name = strerrorname_np(err);
  char msg[256];
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, name ? name : "E?", strerror(err));
  napi_value message, error, code, num, sc;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", num);
  napi_set_named_property(env, error, "syscall", sc);
  napi_throw(env, error);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: missing arguments");
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected an integer");
    return 0;
  }
  return 1;
}

static int get_buf(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a Buffer");
    return 0;
  }
  return napi_get_buffer_info(env, v, data, len) == napi_ok;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

static napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

// socket(family, type, protocol) -> fd, always non-blocking and close-on-exec.
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t family, type, protocol;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &family) ||
      !get_i32(env, argv[1], &type) || !get_i32(env, argv[2], &protocol))
    return NULL;
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, errno, "socket");
  return make_i32(env, fd);
}

// setsockopt(fd, level, name, value: int | Buffer)
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
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

// getsockopt(fd, level, name, maxLen) -> Buffer
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, max;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) ||
      !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name) ||
      !get_i32(env, argv[3], &max))
    return NULL;
  if (max < 0 || max > 65536) max = 65536;
  char tmp[65536];
  socklen_t len = (socklen_t)max;
  if (getsockopt(fd, level, name, tmp, &len) < 0) return throw_errno(env, errno, "getsockopt");
  napi_value out;
  CHECK(napi_create_buffer_copy(env, len, tmp, NULL, &out));
  return out;
}

// bind(fd, sockaddr: Buffer)
static napi_value js_bind(napi_env env, napi_callback_info info) {
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

// getsockname(fd) -> Buffer (raw sockaddr)
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
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
static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
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

// recvmsg(fd, maxLen, controlLen) -> null when nothing is queued (EAGAIN), else
// [data, addr, control, flags, length]. MSG_TRUNC in flags tells the datagram was cut.
// The kernel writes into one static buffer (the Node loop is single-threaded); only the bytes
// received are copied out, so a big maxLen (netlink dumps) costs nothing per small datagram.
#define RECV_MAX (256 * 1024)
static char recv_buf[RECV_MAX];

static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, max, cmax;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) ||
      !get_i32(env, argv[1], &max) || !get_i32(env, argv[2], &cmax))
    return NULL;
  if (max <= 0 || max > RECV_MAX) max = RECV_MAX;
  if (cmax < 0 || cmax > 4096) cmax = 4096;
  struct sockaddr_storage ss;
  char control[4096];
  struct iovec iov = {.iov_base = recv_buf, .iov_len = (size_t)max};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &ss;
  msg.msg_namelen = sizeof ss;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cmax ? control : NULL;
  msg.msg_controllen = (size_t)cmax;
  ssize_t rc;
  do rc = recvmsg(fd, &msg, MSG_DONTWAIT);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value n;
      napi_get_null(env, &n);
      return n;
    }
    return throw_errno(env, errno, "recvmsg");
  }
  size_t got = (size_t)rc > (size_t)max ? (size_t)max : (size_t)rc;
  // An array, not an object: named properties would intern their key strings on every call.
  napi_value out, data, addr, ctl;
  CHECK(napi_create_buffer_copy(env, got, recv_buf, NULL, &data));
  CHECK(napi_create_buffer_copy(env, msg.msg_namelen, &ss, NULL, &addr));
  CHECK(napi_create_buffer_copy(env, msg.msg_controllen, control, NULL, &ctl));
  CHECK(napi_create_array_with_length(env, 5, &out));
  napi_set_element(env, out, 0, data);
  napi_set_element(env, out, 1, addr);
  napi_set_element(env, out, 2, ctl);
  napi_set_element(env, out, 3, make_i32(env, msg.msg_flags));
  napi_set_element(env, out, 4, make_i32(env, (int32_t)rc));
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

static napi_value js_if_nametoindex(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IF_NAMESIZE + 1];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a string");
    return NULL;
  }
  unsigned idx = if_nametoindex(name);
  if (idx == 0) return throw_errno(env, errno, "if_nametoindex");
  return make_i32(env, (int32_t)idx);
}

// --- readiness: uv_poll on the Node loop --------------------------------------------
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int closed;    // uv_close called
  int released;  // JS wrapper garbage-collected
} watch_t;

static void watch_free_if_done(watch_t *w) {
  if (w->closed == 2 && w->released) free(w);
}

static void on_poll_closed(uv_handle_t *h) {
  watch_t *w = (watch_t *)h->data;
  w->closed = 2;
  watch_free_if_done(w);
}

static void watch_close(watch_t *w) {
  if (w->closed) return;
  w->closed = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->async);
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  watch_t *w = (watch_t *)h->data;
  if (w->closed) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[1], result;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv); // make_callback needs an object receiver
  // status < 0 (e.g. EBADF) is passed on as a negative number; readiness as the event mask.
  napi_create_int32(env, status < 0 ? status : events, &argv[0]);
  if (napi_make_callback(env, w->async, recv, cb, 1, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  watch_t *w = (watch_t *)data;
  w->released = 1;
  if (!w->closed) watch_close(w);
  watch_free_if_done(w);
}

// watch(fd, callback(events)) -> handle. Calls back whenever fd is readable.
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "watch");
  w->env = env;
  int rc = uv_poll_init_socket(loop, &w->poll, fd);
  if (rc < 0) {
    free(w);
    return throw_errno(env, -rc, "uv_poll_init");
  }
  w->poll.data = w;
  napi_value name, handle, resource;
  napi_create_string_utf8(env, "vipd:socket", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &w->async);
  napi_create_reference(env, argv[1], 1, &w->callback);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    watch_close(w);
    w->released = 1;
    return throw_errno(env, -rc, "uv_poll_start");
  }
  CHECK(napi_create_external(env, w, watch_finalize, NULL, &handle));
  return handle;
}

static watch_t *get_watch(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a watch handle");
    return NULL;
  }
  return (watch_t *)p;
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  watch_t *w = get_watch(env, argv[0]);
  if (w) watch_close(w);
  return NULL;
}

// ref(handle, bool): whether this watch keeps the process alive.
static napi_value js_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool on;
  if (!get_args(env, info, 2, argv)) return NULL;
  watch_t *w = get_watch(env, argv[0]);
  if (!w || w->closed) return NULL;
  napi_get_value_bool(env, argv[1], &on);
  if (on) uv_ref((uv_handle_t *)&w->poll);
  else uv_unref((uv_handle_t *)&w->poll);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendmsg", NULL, js_sendmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ifNameToIndex", NULL, js_if_nametoindex, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ref", NULL, js_ref, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
