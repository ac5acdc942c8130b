// Process-level system calls for src/os/: scheduling policy, CPU affinity, memory locking, the
// open-file limit, and giving the C heap's free pages back.
// On Linux scheduling and affinity are per thread (tid 0 = the calling thread); src/os/ applies
// them to every thread of the process. sched_setscheduler & co go through syscall(2): musl's
// wrappers deliberately return ENOSYS (POSIX means per process, Linux means per thread).
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

// Enough for any machine Linux runs on (NR_CPUS <= 8192 in distribution kernels).
#define CPU_LIMIT 65536

// schedSetscheduler(tid, policy, priority): policy may carry SCHED_RESET_ON_FORK.
napi_value js_sched_setscheduler(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t tid, policy, priority;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &tid) ||
      !get_i32(env, argv[1], &policy) || !get_i32(env, argv[2], &priority))
    return NULL;
  struct sched_param sp = {.sched_priority = priority};
  if (syscall(SYS_sched_setscheduler, (pid_t)tid, policy, &sp) < 0)
    return throw_errno(env, errno, "sched_setscheduler");
  return NULL;
}

// schedGetscheduler(tid) -> [policy (with SCHED_RESET_ON_FORK when set), priority]
napi_value js_sched_getscheduler(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t tid;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &tid)) return NULL;
  long policy = syscall(SYS_sched_getscheduler, (pid_t)tid);
  if (policy < 0) return throw_errno(env, errno, "sched_getscheduler");
  struct sched_param sp;
  if (syscall(SYS_sched_getparam, (pid_t)tid, &sp) < 0) return throw_errno(env, errno, "sched_getparam");
  napi_value out;
  CHECK(napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, make_i32(env, (int32_t)policy));
  napi_set_element(env, out, 1, make_i32(env, sp.sched_priority));
  return out;
}

static napi_value priority_limit(napi_env env, napi_callback_info info, int max) {
  napi_value argv[1];
  int32_t policy;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &policy)) return NULL;
  int v = max ? sched_get_priority_max(policy) : sched_get_priority_min(policy);
  if (v < 0) return throw_errno(env, errno, max ? "sched_get_priority_max" : "sched_get_priority_min");
  return make_i32(env, v);
}

napi_value js_sched_get_priority_min(napi_env env, napi_callback_info info) {
  return priority_limit(env, info, 0);
}

napi_value js_sched_get_priority_max(napi_env env, napi_callback_info info) {
  return priority_limit(env, info, 1);
}

// schedSetaffinity(tid, cpus: number[])
napi_value js_sched_setaffinity(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t tid;
  bool is;
  uint32_t n;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &tid)) return NULL;
  if (napi_is_array(env, argv[1], &is) != napi_ok || !is || napi_get_array_length(env, argv[1], &n) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected an array of CPU numbers");
    return NULL;
  }
  int32_t top = -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t cpu;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok || !get_i32(env, v, &cpu)) return NULL;
    if (cpu < 0 || cpu >= CPU_LIMIT) return throw_errno(env, EINVAL, "sched_setaffinity");
    if (cpu > top) top = cpu;
  }
  cpu_set_t *set = CPU_ALLOC(top + 1);
  if (!set) return throw_errno(env, ENOMEM, "sched_setaffinity");
  size_t size = CPU_ALLOC_SIZE(top + 1);
  CPU_ZERO_S(size, set);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t cpu = 0;
    napi_get_element(env, argv[1], i, &v);
    napi_get_value_int32(env, v, &cpu);
    CPU_SET_S((size_t)cpu, size, set);
  }
  int rc = sched_setaffinity((pid_t)tid, size, set);
  int err = errno;
  CPU_FREE(set);
  if (rc < 0) return throw_errno(env, err, "sched_setaffinity");
  return NULL;
}

// schedGetaffinity(tid) -> CPU numbers, ascending
napi_value js_sched_getaffinity(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t tid;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &tid)) return NULL;
  for (int ncpu = 1024; ncpu <= CPU_LIMIT; ncpu *= 2) {
    cpu_set_t *set = CPU_ALLOC(ncpu);
    if (!set) return throw_errno(env, ENOMEM, "sched_getaffinity");
    size_t size = CPU_ALLOC_SIZE(ncpu);
    CPU_ZERO_S(size, set);
    if (sched_getaffinity((pid_t)tid, size, set) < 0) {
      int err = errno;
      CPU_FREE(set);
      if (err == EINVAL) continue; // the kernel's mask is larger than ours
      return throw_errno(env, err, "sched_getaffinity");
    }
    napi_value out;
    uint32_t k = 0;
    if (napi_create_array(env, &out) != napi_ok) {
      CPU_FREE(set);
      napi_throw_error(env, "EINTERNAL", "vipd_native: cannot create an array");
      return NULL;
    }
    for (int cpu = 0; cpu < ncpu; cpu++)
      if (CPU_ISSET_S((size_t)cpu, size, set)) napi_set_element(env, out, k++, make_i32(env, cpu));
    CPU_FREE(set);
    return out;
  }
  return throw_errno(env, EINVAL, "sched_getaffinity");
}

// mlockall(current, future, onFault): MCL_* as booleans, since their values differ by architecture.
napi_value js_mlockall(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  bool current, future, on_fault;
  if (!get_args(env, info, 3, argv) || !get_bool(env, argv[0], &current) ||
      !get_bool(env, argv[1], &future) || !get_bool(env, argv[2], &on_fault))
    return NULL;
  int flags = (current ? MCL_CURRENT : 0) | (future ? MCL_FUTURE : 0);
  if (on_fault) {
#ifdef MCL_ONFAULT
    flags |= MCL_ONFAULT;
#else
    return throw_errno(env, EINVAL, "mlockall");
#endif
  }
  if (mlockall(flags) < 0) return throw_errno(env, errno, "mlockall");
  return NULL;
}

napi_value js_munlockall(napi_env env, napi_callback_info info) {
  if (munlockall() < 0) return throw_errno(env, errno, "munlockall");
  return NULL;
}

// getOpenFileLimit() -> [soft, hard] of RLIMIT_NOFILE (RLIM_INFINITY as Infinity).
napi_value js_get_open_file_limit(napi_env env, napi_callback_info info) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return throw_errno(env, errno, "getrlimit");
  napi_value out, cur, max;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_double(env, rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur, &cur));
  CHECK(napi_create_double(env, rl.rlim_max == RLIM_INFINITY ? INFINITY : (double)rl.rlim_max, &max));
  napi_set_element(env, out, 0, cur);
  napi_set_element(env, out, 1, max);
  return out;
}

static int get_rlim(napi_env env, napi_value v, rlim_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != d || d < 0) {
    napi_throw_type_error(env, NULL, "expected a limit (a number >= 0 or Infinity)");
    return 0;
  }
  *out = isinf(d) ? RLIM_INFINITY : (rlim_t)d;
  return 1;
}

// setOpenFileLimit(soft, hard): setrlimit(RLIMIT_NOFILE); a higher hard limit needs CAP_SYS_RESOURCE.
napi_value js_set_open_file_limit(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct rlimit rl;
  if (!get_args(env, info, 2, argv) || !get_rlim(env, argv[0], &rl.rlim_cur) || !get_rlim(env, argv[1], &rl.rlim_max))
    return NULL;
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) return throw_errno(env, errno, "setrlimit");
  return NULL;
}

// mallocTrim() -> whether memory went back to the kernel. glibc keeps the pages of freed C heap
// memory (V8's parser and compiler zones of start-up) mapped; malloc_trim(3) returns them.
// false without glibc (musl returns free memory by itself).
napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  napi_value out;
#ifdef __GLIBC__
  CHECK(napi_get_boolean(env, malloc_trim(0) == 1, &out));
#else
  CHECK(napi_get_boolean(env, false, &out));
#endif
  return out;
}
