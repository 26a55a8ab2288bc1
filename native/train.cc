// Native training kernels for x86-64 (AVX-512 or AVX2 with FMA, picked at load time): the batched trainer's
// forward, softmax and BPTT, with the same memory layout and the same float32 results as the WASM kernels
// (src/kernels/assembly/index.ts). WASM SIMD is 128 bits wide; these products use the CPU's full vector
// width. src/kernels/native.ts loads this addon when `npm ci` could build it, and falls back to WASM otherwise.
//
// JS owns the memory: bind(arrayBuffer) returns the kernels with every pointer argument a byte offset into
// that buffer, as the WASM module's exports take offsets into its memory.
#include <node_api.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
typedef __m256 vf;
constexpr int W = 8;
constexpr int R = 6;  // 6 × 2 accumulators + 2 weight vectors + a broadcast: 15 of the 16 ymm registers
constexpr int S = 2;
static inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
static inline void vstore(float* p, vf a) { _mm256_storeu_ps(p, a); }
static inline vf vzero() { return _mm256_setzero_ps(); }
static inline vf vbcast(const float* p) { return _mm256_broadcast_ss(p); }
static inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
#include "train-impl.h"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
namespace avx512 {
typedef __m512 vf;
constexpr int W = 16;
constexpr int R = 8;  // 8 × 2 accumulators + 2 weight vectors + a broadcast, of the 32 zmm registers
constexpr int S = 2;
static inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
static inline void vstore(float* p, vf a) { _mm512_storeu_ps(p, a); }
static inline vf vzero() { return _mm512_setzero_ps(); }
static inline vf vbcast(const float* p) { return _mm512_set1_ps(*p); }
static inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
#include "train-impl.h"
}  // namespace avx512
#pragma GCC pop_options

namespace {

struct Kernels {
  const char* isa;
  void (*trainForward)(char*, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int);
  double (*softmaxLoss)(char*, int, int, int, int, int);
  void (*trainBackward)(char*, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int,
                        int, int, int, int);
  void (*transpose)(char*, int, int, int, int, int, int);
};

const Kernels k512 = {"avx512", avx512::trainForward, avx512::softmaxLoss, avx512::trainBackward, avx512::transpose};
const Kernels k2 = {"avx2", avx2::trainForward, avx2::softmaxLoss, avx2::trainBackward, avx2::transpose};

// The instruction sets this CPU runs, widest first.
std::vector<const Kernels*> supported() {
  std::vector<const Kernels*> out;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) out.push_back(&k512);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(&k2);
  return out;
}

const std::vector<const Kernels*> isas = supported();

// A bound buffer: its base address, kept alive by a reference for as long as the kernels object lives.
struct Bound {
  const Kernels* kernels;
  char* base;
  size_t bytes;
  napi_ref buffer;
};

bool args(napi_env env, napi_callback_info info, int n, napi_value* argv, Bound** bound) {
  size_t argc = (size_t)n;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) return false;
  if ((int)argc < n) {
    napi_throw_type_error(env, nullptr, "bard native kernels: too few arguments");
    return false;
  }
  *bound = (Bound*)data;
  return true;
}

bool ints(napi_env env, napi_value* argv, int n, int* out) {
  for (int i = 0; i < n; i++) {
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "bard native kernels: arguments must be numbers");
      return false;
    }
  }
  return true;
}

napi_value TrainForward(napi_env env, napi_callback_info info) {
  // The WASM export's last two arguments (its scratch) are not read: these kernels keep their own.
  napi_value argv[15];
  int a[15];
  Bound* b;
  if (!args(env, info, 15, argv, &b) || !ints(env, argv, 15, a)) return nullptr;
  b->kernels->trainForward(b->base, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
  return nullptr;
}

napi_value SoftmaxLoss(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int a[5];
  Bound* b;
  if (!args(env, info, 5, argv, &b) || !ints(env, argv, 5, a)) return nullptr;
  napi_value out;
  napi_create_double(env, b->kernels->softmaxLoss(b->base, a[0], a[1], a[2], a[3], a[4]), &out);
  return out;
}

napi_value TrainBackward(napi_env env, napi_callback_info info) {
  napi_value argv[21];
  int a[21];
  Bound* b;
  if (!args(env, info, 21, argv, &b) || !ints(env, argv, 21, a)) return nullptr;
  b->kernels->trainBackward(b->base, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14],
                         a[15], a[16], a[17], a[18], a[19], a[20]);
  return nullptr;
}

napi_value Transpose(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int a[6];
  Bound* b;
  if (!args(env, info, 6, argv, &b) || !ints(env, argv, 6, a)) return nullptr;
  b->kernels->transpose(b->base, a[0], a[1], a[2], a[3], a[4], a[5]);
  return nullptr;
}

void Release(napi_env env, void* data, void*) {
  Bound* b = (Bound*)data;
  napi_delete_reference(env, b->buffer);
  delete b;
}

// bind(buffer: ArrayBuffer, isa?: string) → { trainForward, softmaxLoss, trainBackward, transpose } on that buffer,
// with the widest instruction set of this CPU or the one named (tests run each).
napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool isBuffer = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer) {
    napi_throw_type_error(env, nullptr, "bind expects an ArrayBuffer");
    return nullptr;
  }
  const Kernels* kernels = isas.empty() ? nullptr : isas[0];
  napi_valuetype type = napi_undefined;
  if (argc > 1) napi_typeof(env, argv[1], &type);
  if (type == napi_string) {
    char name[16] = "";
    napi_get_value_string_utf8(env, argv[1], name, sizeof name, nullptr);
    kernels = nullptr;
    for (const Kernels* k : isas)
      if (std::strcmp(k->isa, name) == 0) kernels = k;
  }
  if (!kernels) {
    napi_throw_error(env, nullptr, "this CPU does not run the instruction set asked for (AVX-512, or AVX2 with FMA)");
    return nullptr;
  }
  Bound* b = new Bound();
  b->kernels = kernels;
  void* data;
  napi_get_arraybuffer_info(env, argv[0], &data, &b->bytes);
  b->base = (char*)data;
  napi_create_reference(env, argv[0], 1, &b->buffer);
  napi_value obj;
  napi_create_object(env, &obj);
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"trainForward", TrainForward}, {"softmaxLoss", SoftmaxLoss}, {"trainBackward", TrainBackward}, {"transpose", Transpose}};
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, b, &fn);
    napi_set_named_property(env, obj, f.name, fn);
  }
  napi_add_finalizer(env, obj, b, Release, nullptr, nullptr);
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, list;
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, Bind, nullptr, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_array_with_length(env, isas.size(), &list);
  for (size_t i = 0; i < isas.size(); i++) {
    napi_value name;
    napi_create_string_utf8(env, isas[i]->isa, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, list, (uint32_t)i, name);
  }
  napi_set_named_property(env, exports, "isas", list);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
