// Native kernels for x86-64 (AVX-512 or AVX2 with FMA, picked at load time): the batched trainer's forward,
// softmax and BPTT, and the generation step, with the same memory layout and the same float32 results as the
// WASM kernels (src/kernels/assembly/index.ts). WASM SIMD is 128 bits wide; these use the CPU's full vector
// width. src/kernels/native.ts loads this addon when `npm ci` could build it, and falls back to WASM otherwise.
//
// JS owns the memory: bind(arrayBuffer) returns the kernels with every pointer argument a byte offset into
// that buffer, as the WASM module's exports take offsets into its memory.
#include <node_api.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
typedef __m256 vf;
constexpr int W = 8;
// The tile: 4 rows × 3 vectors. 12 accumulators + 3 weight vectors + a broadcast fill the 16 ymm registers, and
// B = 32 streams is 8 whole panels (6 × 2 left 2 of 32 rows in a mostly empty one). Measured at training b32 s100:
// 4 × 3 ≥ 6 × 2 > 3 × 4.
constexpr int R = 4;
constexpr int S = 3;
static inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
static inline void vstore(float* p, vf a) { _mm256_storeu_ps(p, a); }
static inline vf vzero() { return _mm256_setzero_ps(); }
// set1, not _mm256_broadcast_ss(p): GCC treats the latter as an opaque read through p and keeps the accumulators in
// memory around it (12 stores to the stack per k step of a tile).
static inline vf vbcast(const float* p) { return _mm256_set1_ps(*p); }
static inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline __m128 vlow(vf a) { return _mm256_castps256_ps128(a); }
// The elementwise operations of tanh and exp that are not arithmetic (see kernels-impl.h's 128-bit ones).
static inline vf vpmin(vf a, vf b) { return _mm256_min_ps(b, a); }
static inline vf vpmax(vf a, vf b) { return _mm256_max_ps(b, a); }
static inline vf vsplat(vf, float f) { return _mm256_set1_ps(f); }
static inline vf vnearest(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vpow2(vf n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23));
}
#include "kernels-impl.h"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
namespace avx512 {
typedef __m512 vf;
constexpr int W = 16;
// The tile: 8 rows × 2 vectors, 16 accumulators of the 32 zmm registers. Measured at training b32 s100:
// 8 × 2 > 8 × 3 ≈ 4 × 4 > 16 × 1.
constexpr int R = 8;
constexpr int S = 2;
static inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
static inline void vstore(float* p, vf a) { _mm512_storeu_ps(p, a); }
static inline vf vzero() { return _mm512_setzero_ps(); }
static inline vf vbcast(const float* p) { return _mm512_set1_ps(*p); }
static inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline __m128 vlow(vf a) { return _mm512_castps512_ps128(a); }
static inline vf vpmin(vf a, vf b) { return _mm512_min_ps(b, a); }
static inline vf vpmax(vf a, vf b) { return _mm512_max_ps(b, a); }
static inline vf vsplat(vf, float f) { return _mm512_set1_ps(f); }
static inline vf vnearest(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vpow2(vf n) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23));
}
#include "kernels-impl.h"
}  // namespace avx512
#pragma GCC pop_options

namespace {

// One instruction set's kernels; each takes the buffer's base address, then the WASM export's arguments.
struct Kernels {
  const char* isa;
  decltype(&avx2::trainForward) trainForward;
  decltype(&avx2::softmaxLoss) softmaxLoss;
  decltype(&avx2::trainBackward) trainBackward;
  decltype(&avx2::transpose) transpose;
  decltype(&avx2::stepHidden) stepHidden;
  decltype(&avx2::project) project;
  decltype(&avx2::finishStep) finishStep;
  decltype(&avx2::sampleRows) sampleRows;
  decltype(&avx2::packedFloats) packedFloats;
  decltype(&avx2::panelFloatsOf) panelFloats;
  decltype(&avx2::packWeights) packStrips;
};

#define KERNELS(ns)                                                                                        \
  {                                                                                                        \
    #ns, ns::trainForward, ns::softmaxLoss, ns::trainBackward, ns::transpose, ns::stepHidden, ns::project, \
        ns::finishStep, ns::sampleRows, ns::packedFloats, ns::panelFloatsOf, ns::packWeights              \
  }
const Kernels k512 = KERNELS(avx512);
const Kernels k2 = KERNELS(avx2);
#undef KERNELS

// The instruction sets this CPU runs, widest first.
std::vector<const Kernels*> supported() {
  std::vector<const Kernels*> out;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) out.push_back(&k512);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(&k2);
  return out;
}

const std::vector<const Kernels*> isas = supported();

// A bound buffer: its base address, kept alive by a reference for as long as the kernels object or any of its
// functions lives (each is an owner; the last one collected releases it).
struct Bound {
  const Kernels* kernels;
  char* base;
  napi_ref buffer;
  int owners;
};

template <typename Ret, typename... Ints>
constexpr size_t arity(Ret (*)(char*, Ints...)) {
  return sizeof...(Ints);
}

template <typename Fn, size_t... I>
napi_value apply(napi_env env, Fn fn, char* base, const int* a, std::index_sequence<I...>) {
  if constexpr (std::is_void_v<decltype(fn(base, a[I]...))>) {
    fn(base, a[I]...);
    return nullptr;
  } else {
    napi_value out;
    napi_create_double(env, fn(base, a[I]...), &out);
    return out;
  }
}

// The JS function of one kernel: reads its integer arguments (byte offsets and sizes) and calls it on the bound buffer.
// Extra arguments are not read: the WASM trainForward and trainBackward end with scratch these kernels keep themselves.
template <auto Member>
napi_value Call(napi_env env, napi_callback_info info) {
  using Fn = std::remove_reference_t<decltype(std::declval<Kernels>().*Member)>;
  constexpr size_t n = arity(Fn{});
  size_t argc = n;
  napi_value argv[n];
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) return nullptr;
  if (argc < n) {
    napi_throw_type_error(env, nullptr, "bard native kernels: too few arguments");
    return nullptr;
  }
  int a[n];
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_int32(env, argv[i], &a[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "bard native kernels: arguments must be numbers");
      return nullptr;
    }
  }
  const Bound* b = (const Bound*)data;
  return apply(env, b->kernels->*Member, b->base, a, std::make_index_sequence<n>{});
}

void Release(napi_env env, void* data, void*) {
  Bound* b = (Bound*)data;
  if (--b->owners > 0) return;
  napi_delete_reference(env, b->buffer);
  delete b;
}

// bind(buffer: ArrayBuffer, isa?: string) → the kernels on that buffer (the names of the WASM exports they mirror),
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
  size_t bytes;
  napi_get_arraybuffer_info(env, argv[0], &data, &bytes);
  b->base = (char*)data;
  napi_create_reference(env, argv[0], 1, &b->buffer);
  napi_value obj;
  napi_create_object(env, &obj);
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"trainForward", Call<&Kernels::trainForward>}, {"softmaxLoss", Call<&Kernels::softmaxLoss>},
      {"trainBackward", Call<&Kernels::trainBackward>}, {"transpose", Call<&Kernels::transpose>},
      {"stepHidden", Call<&Kernels::stepHidden>},       {"project", Call<&Kernels::project>},
      {"finishStep", Call<&Kernels::finishStep>},       {"sampleRows", Call<&Kernels::sampleRows>},
      {"packedFloats", Call<&Kernels::packedFloats>},   {"panelFloats", Call<&Kernels::panelFloats>},
      {"packStrips", Call<&Kernels::packStrips>},
  };
  b->owners = 1;
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, b, &fn);
    napi_set_named_property(env, obj, f.name, fn);
    b->owners++;
    napi_add_finalizer(env, fn, b, Release, nullptr, nullptr);
  }
  napi_add_finalizer(env, obj, b, Release, nullptr, nullptr);
  return obj;
}

void FreeAligned(napi_env, void* data, void*) { std::free(data); }

// memory(bytes) → a zeroed ArrayBuffer whose first byte starts a cache line. One that JS allocates starts where
// the allocator puts it (16 bytes apart, say), and then rows that the arena aligns to 64 bytes from its start
// still straddle cache lines: a 64-byte load across two lines costs two.
napi_value Memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t bytes = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_type_error(env, nullptr, "memory expects a positive byte count");
    return nullptr;
  }
  const size_t size = ((size_t)bytes + 63) / 64 * 64;
  void* data = std::aligned_alloc(64, size);
  if (!data) {
    napi_throw_error(env, nullptr, "bard native kernels: out of memory");
    return nullptr;
  }
  std::memset(data, 0, size);
  napi_value out;
  if (napi_create_external_arraybuffer(env, data, (size_t)bytes, FreeAligned, nullptr, &out) != napi_ok) {
    std::free(data);
    napi_throw_error(env, nullptr, "bard native kernels: cannot hand memory to JS");
    return nullptr;
  }
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, list;
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, Bind, nullptr, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_function(env, "memory", NAPI_AUTO_LENGTH, Memory, nullptr, &fn);
  napi_set_named_property(env, exports, "memory", fn);
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
