{
  "targets": [
    {
      "target_name": "bard_native",
      "sources": ["kernels.cc"],
      "cflags_cc!": ["-O2", "-O3"],
      "cflags_cc": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-std=c++17"]
    }
  ]
}
