// Readiness: uv_poll on the Node event loop (no threads, no timers).
//
// A socket error (POLLERR: a netlink overrun's ENOBUFS, ENETDOWN on a packet socket...) makes
// libuv stop the poll and report UV_EBADF, whatever the error was. We then read the pending
// error (SO_ERROR, which also clears it), hand it to the callback and re-arm the poll, so one
// error never deafens the socket. Only an fd that is really gone (EBADF) stays unwatched.
//
// When the env ends (a worker thread exits) with a watch still open, an async cleanup hook
// closes it and holds the teardown until libuv has called on_poll_closed: without it, the close
// callback ran after Node had unloaded the addon of a worker (a segfault).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <uv.h>

#include "common.h"

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup; // NULL once removed
  int fd;
  int events;    // UV_READABLE and/or UV_WRITABLE
  int closed;    // 1: uv_close called, 2: uv_close done
  int released;  // JS handle garbage-collected
} watch_t;

static void watch_free_if_done(watch_t *w) {
  if (w->closed == 2 && w->released) free(w);
}

static void on_poll_closed(uv_handle_t *h) {
  watch_t *w = (watch_t *)h->data;
  w->closed = 2;
  if (w->cleanup) napi_remove_async_cleanup_hook(w->cleanup); // also ends a teardown's wait
  w->cleanup = NULL;
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

static void on_poll(uv_poll_t *h, int status, int events);

static void call_back(watch_t *w, int events, int err, const char *syscall) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[2], result;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv); // make_callback needs an object receiver
  size_t argc = 1;
  if (err) {
    napi_create_int32(env, -err, &argv[0]);
    argv[1] = make_errno_error(env, err, syscall);
    argc = 2;
  } else {
    napi_create_int32(env, events, &argv[0]);
  }
  if (napi_make_callback(env, w->async, recv, cb, argc, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

// The errno behind a POLLERR, cleared; 0 when there was none (only error-queue entries, which we
// never ask for: discarded). Sets *gone when the fd itself is invalid.
static int pending_error(int fd, int *gone) {
  *gone = fcntl(fd, F_GETFD) < 0 && errno == EBADF;
  if (*gone) return EBADF;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
  if (err) return err;
  char buf[64];
  for (int i = 0; i < 64; i++) {
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
  }
  return 0;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  watch_t *w = (watch_t *)h->data;
  if (w->closed) return;
  if (status >= 0) {
    call_back(w, events, 0, NULL);
    return;
  }
  int gone;
  int err = pending_error(w->fd, &gone);
  const char *syscall = "SO_ERROR";
  if (!gone) {
    int rc = uv_poll_start(&w->poll, w->events, on_poll);
    if (rc < 0 && !err) {
      err = -rc;
      syscall = "uv_poll_start";
    }
  } else {
    syscall = "poll";
  }
  if (err) call_back(w, 0, err, syscall);
}

// The env is being torn down: close now; on_poll_closed tells Node we are done.
static void watch_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  watch_close((watch_t *)arg);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  watch_t *w = (watch_t *)data;
  w->released = 1;
  if (!w->closed) watch_close(w);
  watch_free_if_done(w);
}

// watch(fd, callback(events, error?), events = 1) -> handle. Calls back whenever fd is readable
// (events 1, UV_READABLE) and/or writable (2, UV_WRITABLE: a non-blocking connect is done), and
// with (-errno, Error) when the socket reported an error (the watch stays armed unless fd is gone).
napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  int32_t fd, events = UV_READABLE;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: missing arguments");
    return NULL;
  }
  if (!get_i32(env, argv[0], &fd)) return NULL;
  if (argc > 2 && !is_nullish(env, argv[2]) && !get_i32(env, argv[2], &events)) return NULL;
  events &= UV_READABLE | UV_WRITABLE;
  if (!events) events = UV_READABLE;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "watch");
  w->env = env;
  w->fd = fd;
  w->events = events;
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
  if (napi_add_async_cleanup_hook(env, watch_env_cleanup, w, &w->cleanup) != napi_ok) w->cleanup = NULL;
  rc = uv_poll_start(&w->poll, events, on_poll);
  if (rc >= 0 && w->cleanup && napi_create_external(env, w, watch_finalize, NULL, &handle) == napi_ok) return handle;
  // No handle for JS: nobody could ever unwatch, so undo everything now.
  watch_close(w);
  w->released = 1;
  if (rc < 0) return throw_errno(env, -rc, "uv_poll_start");
  napi_throw_error(env, "EINTERNAL", "vipd_native: cannot set up the watch");
  return NULL;
}

static watch_t *get_watch(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a watch handle");
    return NULL;
  }
  return (watch_t *)p;
}

napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  watch_t *w = get_watch(env, argv[0]);
  if (w) watch_close(w);
  return NULL;
}

// ref(handle, bool): whether this watch keeps the process alive.
napi_value js_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool on;
  if (!get_args(env, info, 2, argv)) return NULL;
  watch_t *w = get_watch(env, argv[0]);
  if (!w || w->closed || !get_bool(env, argv[1], &on)) return NULL;
  if (on) uv_ref((uv_handle_t *)&w->poll);
  else uv_unref((uv_handle_t *)&w->poll);
  return NULL;
}
