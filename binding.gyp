{
  "targets": [
    {
      "target_name": "vipd_native",
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/vipd_native.c", "native/common.c", "native/socket.c", "native/watch.c", "native/process.c", "native/files.c", "native/connect_probe.c", "native/advert.c"],
          "libraries": ["-lpthread"]
        }, {
          "sources": ["native/vipd_native_stub.c"]
        }]
      ]
    }
  ]
}
