// A master's periodic adverts, sent by a thread of the addon so a 10 ms master does not wake the
// event loop 100 times a second. Syscalls only: the bytes (encoded and checksummed by the
// TypeScript codec), the destinations, the interval and when to stop are handed over from JS
// (src/vrrp/advert-sender.ts); what may be offloaded and when is TypeScript's (advert-offload.ts).
//
// - One thread per env (main thread, or a worker that loads the addon), made on first use. It
//   sleeps on a futex (FUTEX_WAIT_BITSET: an absolute CLOCK_MONOTONIC deadline; one system call
//   per wake-up, where a condvar's timed wait cost two) until the next advert is due, and sends every
//   advert due by then -- plus those due within 1/16 of their interval -- in one sendmmsg per socket.
// - Absolute deadlines: next = deadline + interval; one interval late or more counts from now
//   (no burst), as nextAdvertAt() in src/vrrp/timers.ts. More than one interval late: counted.
//   An advert sent early (it shared another's wake-up) counts its next from when it left: the
//   gap between two adverts is never longer than the interval, and instances whose deadlines lie
//   close together keep sharing one wake-up (100 masters at 1 s: a few wake-ups a second, not 100).
// - A lease: JS renews every schedule's lease from an ordinary Node timer. A wedged event loop
//   stops renewing, the thread stops sending when the lease runs out, and a backup takes over,
//   as it would from a master whose own timers stopped. A renewal wakes a parked schedule.
// - Each socket is dup'd (one dup per socket, found by its inode): closing the JS socket cannot
//   race a send, and an fd number reused meanwhile is never written to.
// - Sends happen with the lock held: once advertStop() returns, that schedule sends nothing more.
// - Send errors go back to JS through a uv_async (a bounded queue; overflow is counted).
// - advertSchedule() copies the calling thread's scheduling (policy, RT priority, nice) to the
//   thread, so vrrp_rt_priority applies to adverts even with SCHED_RESET_ON_FORK.
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"

#define ADVERT_DESTS_MAX 256   // destinations of one schedule (unicast peers)
#define ADVERT_BATCH 64        // messages per sendmmsg
#define ERROR_QUEUE 64         // send errors waiting for JS
#define COUNTERS 4             // per schedule in advertRenew / advertStop: sent, late, worst late ms, next due in ms

typedef struct sender {
  struct sender *next;
  int fd;  // our dup
  dev_t dev;
  ino_t ino;
  int refs;
} sender_t;

typedef struct {
  int32_t id;
  sender_t *sender;
  unsigned count;
  struct msghdr *msgs; // one per destination, pointing into blob
  struct iovec *iov;
  char *blob;
  int64_t interval_ns, lease_ns;
  int64_t due, expires; // CLOCK_MONOTONIC ns
  // Since JS last read them (advertRenew / advertStop).
  double sent, late, worst_late_ns;
} sched_entry_t;

typedef struct {
  int32_t id, index, err;
} send_error_t;

typedef struct advert_state {
  napi_env env;
  pthread_mutex_t lock;
  // Bumped (under the lock) by whatever the sleeping thread must look at; it sleeps on this word.
  uint32_t wake_seq;
  pthread_t thread;
  bool running, quit;
  sched_entry_t *entries;
  unsigned n, cap;
  sender_t *senders;
  // Scheduling wanted for the thread (copied from the caller of advertSchedule), and applied.
  int want_policy, want_prio, want_nice, applied;
  // Errors for JS.
  uv_async_t async;
  bool async_open;
  napi_ref callback;
  napi_async_context actx;
  napi_async_cleanup_hook_handle cleanup;
  send_error_t errors[ERROR_QUEUE];
  unsigned nerrors;
  double lost_errors;
  // The thread's scratch space.
  struct mmsghdr batch[ADVERT_BATCH];
  sched_entry_t *batch_owner[ADVERT_BATCH];
  unsigned batch_index[ADVERT_BATCH];
} advert_state_t;

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// --- the thread -----------------------------------------------------------------------------

// The thread sleeps until `deadline` (CLOCK_MONOTONIC ns, INT64_MAX: until woken) unless wake_seq
// moved from `seen`. Called without the lock.
static void sleep_until(advert_state_t *s, uint32_t seen, int64_t deadline) {
  struct timespec ts = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
  syscall(SYS_futex, &s->wake_seq, FUTEX_WAIT_BITSET_PRIVATE, seen, deadline == INT64_MAX ? NULL : &ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

// Wakes the thread; called with the lock held.
static void wake(advert_state_t *s) {
  __atomic_add_fetch(&s->wake_seq, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &s->wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void queue_error(advert_state_t *s, int32_t id, int32_t index, int err) {
  if (s->nerrors < ERROR_QUEUE) s->errors[s->nerrors++] = (send_error_t){id, index, err};
  else s->lost_errors++;
  if (s->async_open) uv_async_send(&s->async);
}

static void apply_scheduling(advert_state_t *s) {
  if (s->applied) return;
  s->applied = 1;
  struct sched_param sp = {.sched_priority = s->want_prio};
  // Best effort: the JS thread got this policy, so the process may set it (same credentials).
  syscall(SYS_sched_setscheduler, 0, s->want_policy, &sp);
  if ((s->want_policy & 0xff) == SCHED_OTHER || (s->want_policy & 0xff) == SCHED_BATCH)
    setpriority(PRIO_PROCESS, 0, s->want_nice); // on Linux: the calling thread
}

static void flush(advert_state_t *s, unsigned k) {
  unsigned done = 0;
  while (done < k) {
    int fd = s->batch_owner[done]->sender->fd;
    int rc;
    do rc = sendmmsg(fd, s->batch + done, k - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (rc < 0 && errno == EINTR);
    if (rc > 0) {
      for (int i = 0; i < rc; i++) s->batch_owner[done + (unsigned)i]->sent++;
      done += (unsigned)rc;
      continue;
    }
    // The message at `done` failed (rc < 0: errno says why): report it and go on with the rest.
    int err = rc < 0 ? errno : EIO;
    queue_error(s, s->batch_owner[done]->id, (int32_t)s->batch_index[done], err);
    done++;
  }
}

// Sends every due schedule's messages (state 1), one sendmmsg per socket (a batch holds one
// socket's only); each one sent is marked 2.
static void send_due(advert_state_t *s, uint8_t *due) {
  for (unsigned i = 0; i < s->n; i++) {
    if (due[i] != 1) continue;
    sender_t *sender = s->entries[i].sender;
    unsigned k = 0;
    for (unsigned j = i; j < s->n; j++) {
      sched_entry_t *e = &s->entries[j];
      if (due[j] != 1 || e->sender != sender) continue;
      due[j] = 2;
      for (unsigned m = 0; m < e->count; m++) {
        if (k == ADVERT_BATCH) {
          flush(s, k);
          k = 0;
        }
        s->batch[k].msg_hdr = e->msgs[m];
        s->batch[k].msg_len = 0;
        s->batch_owner[k] = e;
        s->batch_index[k] = m;
        k++;
      }
    }
    if (k) flush(s, k);
  }
}

static void *run(void *arg) {
  advert_state_t *s = arg;
  uint8_t *due = NULL;
  unsigned due_cap = 0;
  pthread_mutex_lock(&s->lock);
  while (!s->quit) {
    apply_scheduling(s);
    if (due_cap < s->n) {
      uint8_t *d = realloc(due, s->cap);
      if (d) {
        due = d;
        due_cap = s->cap;
      }
    }
    int64_t now = mono_ns();
    int64_t next = INT64_MAX;
    unsigned ndue = 0;
    for (unsigned i = 0; i < s->n && i < due_cap; i++) {
      sched_entry_t *e = &s->entries[i];
      due[i] = 0;
      if (e->expires <= now) continue; // lease ran out: parked until JS renews it
      if (e->due - e->interval_ns / 16 <= now) {
        due[i] = 1;
        ndue++;
      } else if (e->due < next) {
        next = e->due;
      }
    }
    if (ndue) {
      send_due(s, due);
      for (unsigned i = 0; i < s->n && i < due_cap; i++) {
        if (!due[i]) continue;
        sched_entry_t *e = &s->entries[i];
        int64_t late = now - e->due;
        if (late > e->interval_ns) {
          e->late++;
          if ((double)late > e->worst_late_ns) e->worst_late_ns = (double)late;
        }
        e->due = (e->due > now ? now : e->due) + e->interval_ns;
        if (e->due <= now) e->due = now + e->interval_ns;
      }
      continue;
    }
    uint32_t seen = __atomic_load_n(&s->wake_seq, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&s->lock);
    sleep_until(s, seen, next);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  free(due);
  return NULL;
}

// --- the env's state ----------------------------------------------------------------------

static void release_sender(advert_state_t *s, sender_t *sender) {
  if (--sender->refs > 0) return;
  for (sender_t **p = &s->senders; *p; p = &(*p)->next) {
    if (*p == sender) {
      *p = sender->next;
      break;
    }
  }
  close(sender->fd);
  free(sender);
}

static void free_entry(advert_state_t *s, sched_entry_t *e) {
  release_sender(s, e->sender);
  free(e->blob);
}

static void stop_thread(advert_state_t *s) {
  if (!s->running) return;
  pthread_mutex_lock(&s->lock);
  s->quit = true;
  wake(s);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  s->running = false;
}

static void state_free(advert_state_t *s) {
  for (unsigned i = 0; i < s->n; i++) free_entry(s, &s->entries[i]);
  free(s->entries);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

static void on_async_closed(uv_handle_t *h) {
  advert_state_t *s = h->data;
  napi_async_cleanup_hook_handle hook = s->cleanup;
  state_free(s);
  if (hook) napi_remove_async_cleanup_hook(hook); // ends the env teardown's wait
}

// The env is going away (process exit, a worker ending): stop the thread, close the async, free.
static void env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  advert_state_t *s = arg;
  stop_thread(s);
  if (s->callback) napi_delete_reference(s->env, s->callback);
  if (s->actx) napi_async_destroy(s->env, s->actx);
  s->callback = NULL;
  s->actx = NULL;
  pthread_mutex_lock(&s->lock);
  s->async_open = false;
  pthread_mutex_unlock(&s->lock);
  uv_close((uv_handle_t *)&s->async, on_async_closed);
}

static void on_async(uv_async_t *h) {
  advert_state_t *s = h->data;
  napi_env env = s->env;
  send_error_t errs[ERROR_QUEUE];
  pthread_mutex_lock(&s->lock);
  unsigned n = s->nerrors;
  double lost = s->lost_errors;
  memcpy(errs, s->errors, n * sizeof errs[0]);
  s->nerrors = 0;
  s->lost_errors = 0;
  pthread_mutex_unlock(&s->lock);
  if (!s->callback || (!n && !lost)) return;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, list, argv[2], result;
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv);
  napi_create_array_with_length(env, n, &list);
  for (unsigned i = 0; i < n; i++) {
    napi_value e;
    napi_create_array_with_length(env, 3, &e);
    napi_set_element(env, e, 0, make_i32(env, errs[i].id));
    napi_set_element(env, e, 1, make_i32(env, errs[i].index));
    napi_set_element(env, e, 2, make_errno_error(env, errs[i].err, "sendmmsg"));
    napi_set_element(env, list, i, e);
  }
  argv[0] = list;
  napi_create_double(env, lost, &argv[1]);
  if (napi_make_callback(env, s->actx, recv, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

// This env's state, made on first use (NULL and a pending exception when it cannot be).
static advert_state_t *state_of(napi_env env) {
  struct advert_state **slot = advert_slot(env);
  if (!slot) return NULL;
  if (*slot) return *slot;
  advert_state_t *s = calloc(1, sizeof *s);
  if (!s) {
    throw_errno(env, ENOMEM, "advert");
    return NULL;
  }
  s->env = env;
  pthread_mutex_init(&s->lock, NULL);
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_async_init(loop, &s->async, on_async) < 0) {
    state_free(s);
    napi_throw_error(env, "EINTERNAL", "vipd_native: cannot set up the advert sender");
    return NULL;
  }
  s->async.data = s;
  s->async_open = true;
  uv_unref((uv_handle_t *)&s->async); // never keeps the process alive
  if (napi_add_async_cleanup_hook(env, env_cleanup, s, &s->cleanup) != napi_ok) {
    s->cleanup = NULL;
    s->async_open = false;
    uv_close((uv_handle_t *)&s->async, on_async_closed);
    napi_throw_error(env, "EINTERNAL", "vipd_native: cannot set up the advert sender");
    return NULL;
  }
  *slot = s;
  return s;
}

static int start_thread(napi_env env, advert_state_t *s) {
  if (s->running) return 1;
  // Signals are the JS thread's business.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&s->thread, NULL, run, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc) {
    throw_errno(env, rc, "pthread_create");
    return 0;
  }
  pthread_setname_np(s->thread, "vipd-adverts");
  s->running = true;
  return 1;
}

static sched_entry_t *find(advert_state_t *s, int32_t id) {
  for (unsigned i = 0; i < s->n; i++)
    if (s->entries[i].id == id) return &s->entries[i];
  return NULL;
}

// The one dup of fd's socket (by inode), shared by every schedule on it.
static sender_t *sender_for(napi_env env, advert_state_t *s, int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) {
    throw_errno(env, errno, "fstat");
    return NULL;
  }
  for (sender_t *p = s->senders; p; p = p->next) {
    if (p->dev == st.st_dev && p->ino == st.st_ino) {
      p->refs++;
      return p;
    }
  }
  sender_t *p = calloc(1, sizeof *p);
  if (!p) {
    throw_errno(env, ENOMEM, "advertSchedule");
    return NULL;
  }
  p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (p->fd < 0) {
    int err = errno;
    free(p);
    throw_errno(env, err, "dup");
    return NULL;
  }
  p->dev = st.st_dev;
  p->ino = st.st_ino;
  p->refs = 1;
  p->next = s->senders;
  s->senders = p;
  return p;
}

static int get_f64(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a number");
    return 0;
  }
  return 1;
}

static int get_f64_array(napi_env env, napi_value v, double **data, size_t *len) {
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a Float64Array");
    return 0;
  }
  *data = p;
  return 1;
}

static void read_counters(sched_entry_t *e, double *out, int64_t now) {
  out[0] = e->sent;
  out[1] = e->late;
  out[2] = e->worst_late_ns / 1e6;
  out[3] = (double)(e->due - now) / 1e6;
  e->sent = e->late = e->worst_late_ns = 0;
}

// --- the JS functions ---------------------------------------------------------------------

// advertCallback(fn([[id, index, Error]...], lost)): who hears of send errors (this env's).
napi_value js_advert_callback(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  advert_state_t *s = state_of(env);
  if (!s) return NULL;
  if (s->callback) napi_delete_reference(env, s->callback);
  if (s->actx) napi_async_destroy(env, s->actx);
  s->callback = NULL;
  s->actx = NULL;
  napi_value name, resource;
  napi_create_string_utf8(env, "vipd:adverts", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  CHECK(napi_async_init(env, resource, name, &s->actx));
  CHECK(napi_create_reference(env, argv[0], 1, &s->callback));
  return NULL;
}

// advertSchedule(id, fd, messages: Buffer[], sockaddrs: Buffer[], controls: Buffer[], intervalMs,
// firstInMs, leaseMs): adds schedule `id`, or replaces its bytes, destinations and interval. The
// first advert is due firstInMs from now (< 0: a replaced schedule keeps its deadline). Its lease
// runs leaseMs from now, and from each advertRenew. The buffers are copied.
napi_value js_advert_schedule(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int32_t id, fd;
  double interval_ms, first_ms, lease_ms;
  if (!get_args(env, info, 8, argv) || !get_i32(env, argv[0], &id) || !get_i32(env, argv[1], &fd) ||
      !get_f64(env, argv[5], &interval_ms) || !get_f64(env, argv[6], &first_ms) || !get_f64(env, argv[7], &lease_ms))
    return NULL;
  if (!(interval_ms >= 1 && interval_ms <= 1e7) || !(lease_ms > 0 && lease_ms <= 1e8) || !(first_ms <= 1e8))
    return throw_errno(env, EINVAL, "advertSchedule");
  uint32_t count, n2, n3;
  bool is;
  if (napi_is_array(env, argv[2], &is) != napi_ok || !is || napi_get_array_length(env, argv[2], &count) != napi_ok ||
      napi_get_array_length(env, argv[3], &n2) != napi_ok || napi_get_array_length(env, argv[4], &n3) != napi_ok ||
      n2 != count || n3 != count || count == 0 || count > ADVERT_DESTS_MAX)
    return throw_errno(env, EINVAL, "advertSchedule");
  // One allocation: msghdrs, iovecs, then each message's data, sockaddr and control.
  void *data[3][ADVERT_DESTS_MAX];
  size_t len[3][ADVERT_DESTS_MAX];
  size_t total = count * (sizeof(struct msghdr) + sizeof(struct iovec));
  for (int k = 0; k < 3; k++) {
    for (uint32_t i = 0; i < count; i++) {
      napi_value v;
      if (napi_get_element(env, argv[2 + k], i, &v) != napi_ok || !get_buf(env, v, &data[k][i], &len[k][i])) return NULL;
      total += (len[k][i] + 7) & ~(size_t)7;
    }
  }
  char *blob = malloc(total);
  if (!blob) return throw_errno(env, ENOMEM, "advertSchedule");
  struct msghdr *msgs = (struct msghdr *)blob;
  struct iovec *iov = (struct iovec *)(blob + count * sizeof(struct msghdr));
  char *p = (char *)(iov + count);
  memset(msgs, 0, count * sizeof *msgs);
  for (uint32_t i = 0; i < count; i++) {
    char *at[3];
    for (int k = 0; k < 3; k++) {
      at[k] = p;
      memcpy(p, data[k][i], len[k][i]);
      p += (len[k][i] + 7) & ~(size_t)7;
    }
    iov[i].iov_base = at[0];
    iov[i].iov_len = len[0][i];
    msgs[i].msg_iov = &iov[i];
    msgs[i].msg_iovlen = 1;
    msgs[i].msg_name = len[1][i] ? at[1] : NULL;
    msgs[i].msg_namelen = (socklen_t)len[1][i];
    msgs[i].msg_control = len[2][i] ? at[2] : NULL;
    msgs[i].msg_controllen = len[2][i];
  }
  advert_state_t *s = state_of(env);
  if (!s || !start_thread(env, s)) {
    free(blob);
    return NULL;
  }
  // The caller's scheduling, for the thread (read outside the lock: syscalls of our own thread).
  int policy = (int)syscall(SYS_sched_getscheduler, 0);
  struct sched_param sp = {0};
  syscall(SYS_sched_getparam, 0, &sp);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  if (errno) nice = 0;
  pthread_mutex_lock(&s->lock);
  sender_t *sender = sender_for(env, s, fd);
  if (!sender) {
    pthread_mutex_unlock(&s->lock);
    free(blob);
    return NULL;
  }
  sched_entry_t *e = find(s, id);
  if (!e) {
    if (s->n == s->cap) {
      unsigned cap = s->cap ? s->cap * 2 : 16;
      sched_entry_t *grown = realloc(s->entries, cap * sizeof *grown);
      if (!grown) {
        release_sender(s, sender);
        pthread_mutex_unlock(&s->lock);
        free(blob);
        return throw_errno(env, ENOMEM, "advertSchedule");
      }
      s->entries = grown;
      s->cap = cap;
    }
    e = &s->entries[s->n++];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->due = mono_ns() + (int64_t)(interval_ms * 1e6);
  } else {
    free_entry(s, e);
  }
  int64_t now = mono_ns();
  e->sender = sender;
  e->count = count;
  e->msgs = msgs;
  e->iov = iov;
  e->blob = blob;
  e->interval_ns = (int64_t)(interval_ms * 1e6);
  e->lease_ns = (int64_t)(lease_ms * 1e6);
  e->expires = now + e->lease_ns;
  if (first_ms >= 0) e->due = now + (int64_t)(first_ms * 1e6);
  if (policy >= 0 && (policy != s->want_policy || sp.sched_priority != s->want_prio || nice != s->want_nice)) {
    s->want_policy = policy;
    s->want_prio = sp.sched_priority;
    s->want_nice = nice;
    s->applied = 0;
  }
  wake(s);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

// advertRenew(ids: Int32Array, out: Float64Array): renews the leases of `ids` (their leaseMs from
// now) and writes COUNTERS numbers per id into out: adverts sent and sent late since the last read,
// the worst lateness (ms) among those, and when the next is due (ms from now). An unknown id: -1s.
napi_value js_advert_renew(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  napi_typedarray_type type;
  size_t n, out_len;
  void *ids_p;
  double *out;
  if (napi_get_typedarray_info(env, argv[0], &type, &n, &ids_p, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected an Int32Array");
    return NULL;
  }
  if (!get_f64_array(env, argv[1], &out, &out_len)) return NULL;
  if (out_len < n * COUNTERS) return throw_errno(env, EINVAL, "advertRenew");
  advert_state_t *s = state_of(env);
  if (!s) return NULL;
  int32_t *ids = ids_p;
  pthread_mutex_lock(&s->lock);
  int64_t now = mono_ns();
  bool woke = false;
  for (size_t i = 0; i < n; i++) {
    sched_entry_t *e = find(s, ids[i]);
    double *o = out + i * COUNTERS;
    if (!e) {
      o[0] = o[1] = o[2] = o[3] = -1;
      continue;
    }
    if (e->expires <= now) woke = true; // parked: the thread must look again
    e->expires = now + e->lease_ns;
    read_counters(e, o, now);
  }
  if (woke) wake(s);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

// advertStop(id, out: Float64Array) -> whether there was such a schedule; its last counters go to
// out (as advertRenew's). Once it returns, the thread sends nothing more of it.
napi_value js_advert_stop(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t id;
  double *out;
  size_t out_len;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &id) || !get_f64_array(env, argv[1], &out, &out_len)) return NULL;
  if (out_len < COUNTERS) return throw_errno(env, EINVAL, "advertStop");
  advert_state_t *s = state_of(env);
  if (!s) return NULL;
  pthread_mutex_lock(&s->lock);
  sched_entry_t *e = find(s, id);
  bool found = e != NULL;
  if (e) {
    read_counters(e, out, mono_ns());
    free_entry(s, e);
    *e = s->entries[--s->n];
  }
  pthread_mutex_unlock(&s->lock);
  napi_value r;
  napi_get_boolean(env, found, &r);
  return r;
}
