{
  "targets": [
    {
      "target_name": "vipd_native",
      "sources": ["native/vipd_native.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [["OS!='linux'", { "sources!": ["native/vipd_native.c"], "sources": ["native/vipd_native_stub.c"] }]]
    }
  ]
}
