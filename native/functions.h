// Every function the addon exports, as X(JavaScript name, C function). The Linux addon
// (vipd_native.c) and the stub for other systems (vipd_native_stub.c) are both built from this
// list, so they cannot drift; test/unit/native-addon.test.ts checks it against the typing in
// src/netif/native.ts and against the built addon.
#ifndef VIPD_FUNCTIONS_H
#define VIPD_FUNCTIONS_H

#define VIPD_FUNCTIONS(X)                          \
  /* sockets (socket.c) */                         \
  X(socket, js_socket)                             \
  X(setsockopt, js_setsockopt)                     \
  X(getsockopt, js_getsockopt)                     \
  X(bind, js_bind)                                 \
  X(connect, js_connect)                           \
  X(getsockname, js_getsockname)                   \
  X(sendmsg, js_sendmsg)                           \
  X(recvmsg, js_recvmsg)                           \
  X(recvmmsg, js_recvmmsg)                         \
  X(close, js_close)                               \
  X(detach, js_detach)                             \
  /* readiness (watch.c) */                        \
  X(watch, js_watch)                               \
  X(unwatch, js_unwatch)                           \
  X(ref, js_ref)                                   \
  /* the process (process.c) */                    \
  X(schedSetscheduler, js_sched_setscheduler)      \
  X(schedGetscheduler, js_sched_getscheduler)      \
  X(schedGetPriorityMin, js_sched_get_priority_min) \
  X(schedGetPriorityMax, js_sched_get_priority_max) \
  X(schedSetaffinity, js_sched_setaffinity)        \
  X(schedGetaffinity, js_sched_getaffinity)        \
  X(mlockall, js_mlockall)                         \
  X(munlockall, js_munlockall)                     \
  X(getOpenFileLimit, js_get_open_file_limit)      \
  X(setOpenFileLimit, js_set_open_file_limit)      \
  X(mallocTrim, js_malloc_trim)                    \
  /* files and processes (files.c) */              \
  X(pidfdOpen, js_pidfd_open)                      \
  X(mkfifo, js_mkfifo)                             \
  /* TCP connect probes in bulk (connect_probe.c) */ \
  X(epollCreate, js_epoll_create)                  \
  X(connectProbe, js_connect_probe)                \
  X(connectResults, js_connect_results)            \
  X(closeFd, js_close_fd)                          \
  /* a master's periodic adverts, from a thread (advert.c) */ \
  X(advertCallback, js_advert_callback)            \
  X(advertSchedule, js_advert_schedule)            \
  X(advertRenew, js_advert_renew)                  \
  X(advertStop, js_advert_stop)

#endif
