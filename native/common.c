#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errno_names.h"

static const char *errno_name(int err) {
  switch (err) {
#define NAME(e) \
  case e:       \
    return #e;
    VIPD_ERRNOS(NAME)
#undef NAME
    default:
      return NULL;
  }
}

napi_value make_errno_error(napi_env env, int err, const char *syscall) {
  const char *name = errno_name(err);
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
  return error;
}

napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_throw(env, make_errno_error(env, err, syscall));
  return NULL;
}

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: missing arguments");
    return 0;
  }
  return 1;
}

int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected an integer");
    return 0;
  }
  return 1;
}

int get_bool(napi_env env, napi_value v, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a boolean");
    return 0;
  }
  return 1;
}

int get_buf(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, "EINVAL", "vipd_native: expected a Buffer");
    return 0;
  }
  return napi_get_buffer_info(env, v, data, len) == napi_ok;
}

int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

napi_value make_null(napi_env env) {
  napi_value n;
  napi_get_null(env, &n);
  return n;
}

typedef struct {
  recv_area_t *recv;
  // advert.c's sender: made on first use, freed by its own env cleanup hook (it owns a thread).
  struct advert_state *advert;
} env_state_t;

static void env_state_free(napi_env env, void *data, void *hint) {
  env_state_t *s = data;
  free(s->recv);
  free(s);
}

int env_state_init(napi_env env) {
  env_state_t *s = calloc(1, sizeof *s);
  if (!s) return 0;
  if (napi_set_instance_data(env, s, env_state_free, NULL) != napi_ok) {
    free(s);
    return 0;
  }
  return 1;
}

static env_state_t *env_state(napi_env env) {
  env_state_t *s = NULL;
  if (napi_get_instance_data(env, (void **)&s) != napi_ok || !s) {
    napi_throw_error(env, "EINTERNAL", "vipd_native: no per-env state");
    return NULL;
  }
  return s;
}

struct advert_state **advert_slot(napi_env env) {
  env_state_t *s = env_state(env);
  return s ? &s->advert : NULL;
}

recv_area_t *recv_area(napi_env env) {
  env_state_t *s = env_state(env);
  if (!s) return NULL;
  // malloc, not calloc: nothing is read before the kernel wrote it, and no page is touched early.
  if (!s->recv && !(s->recv = malloc(sizeof *s->recv))) {
    throw_errno(env, ENOMEM, "recvmsg");
    return NULL;
  }
  return s->recv;
}
