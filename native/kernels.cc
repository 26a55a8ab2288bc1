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
#include <chrono>
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
  decltype(&avx2::fmaPeak) fmaPeak;
};

#define KERNELS(ns)                                                                                        \
  {                                                                                                        \
    #ns, ns::trainForward, ns::softmaxLoss, ns::trainBackward, ns::transpose, ns::stepHidden, ns::project, \
        ns::finishStep, ns::sampleRows, ns::packedFloats, ns::panelFloatsOf, ns::packWeights, ns::fmaPeak \
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

const char* const NOT_HERE = "this CPU does not run the instruction set asked for (AVX-512, or AVX2 with FMA)";

// The instruction set a JS string names ('avx512', 'avx2'), or null when this CPU does not run it.
const Kernels* named(napi_env env, napi_value name) {
  char isa[16] = "";
  napi_get_value_string_utf8(env, name, isa, sizeof isa, nullptr);
  for (const Kernels* k : isas)
    if (std::strcmp(k->isa, isa) == 0) return k;
  return nullptr;
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
  if (type == napi_string) kernels = named(env, argv[1]);
  if (!kernels) {
    napi_throw_error(env, nullptr, NOT_HERE);
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

// fmaPeak(isa: string, seconds: number) → floating-point operations per second of that instruction set's fused
// multiply-adds on this core, measured for about that long.
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_valuetype type = napi_undefined;
  if (argc > 0) napi_typeof(env, argv[0], &type);
  const Kernels* kernels = type == napi_string ? named(env, argv[0]) : nullptr;
  double seconds = 0;
  if (!kernels || argc < 2 || napi_get_value_double(env, argv[1], &seconds) != napi_ok || !(seconds > 0 && seconds <= 10)) {
    napi_throw_error(env, nullptr, kernels ? "fmaPeak expects a duration in seconds (0 < s ≤ 10)" : NOT_HERE);
    return nullptr;
  }
  napi_value out;
  napi_create_double(env, kernels->fmaPeak(seconds), &out);
  return out;
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

// ---------------------------------------------------------------------------------------------
// The training step's elementwise work outside the kernels (src/train: Adam, the moving average, clipping, weight drop
// and the dropout masks), on JS typed arrays in place. The same float64 operations in the same order as the JS loops they
// replace (-ffp-contract=off: no fused multiply-adds), so the results are the same bits; the compiler vectorises
// them for the widest instruction set the CPU has (target_clones).

#define ELEMENTWISE __attribute__((target_clones("avx512f", "avx2", "default")))

ELEMENTWISE void adamLoop(double* theta, const double* g, double* m, double* v, size_t n, double lr, double beta1, double beta2,
                          double eps, double c1, double c2, double wd) {
  for (size_t i = 0; i < n; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    const double mhat = m[i] / c1;
    const double vhat = v[i] / c2;
    theta[i] -= lr * (mhat / (std::sqrt(vhat) + eps) + wd * theta[i]);
  }
}

ELEMENTWISE void emaLoop(double* avg, const double* x, size_t n, double d) {
  for (size_t i = 0; i < n; i++) avg[i] = d * avg[i] + (1 - d) * x[i];
}

ELEMENTWISE void maskLoop(double* dst, const double* src, const float* mask, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i] * (double)mask[i];
}

// mulberry32 (src/rnn/rng.ts) as fillDropoutMask in src/train/dropout.ts draws it: one 32-bit draw decides two entries.
// Its state after j draws is seed + j·0x6d2b79f5, so each draw is computed from its index and the loop vectorises.
ELEMENTWISE void dropoutLoop(float* mask, size_t n, uint32_t threshold, float keep, uint32_t seed) {
  const size_t pairs = n / 2;
  for (size_t j = 0; j < pairs; j++) {
    uint32_t t = seed + (uint32_t)(j + 1) * 0x6d2b79f5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    t = t ^ (t >> 14);
    mask[2 * j] = (t & 0xffffu) < threshold ? 0.0f : keep;
    mask[2 * j + 1] = (t >> 16) < threshold ? 0.0f : keep;
  }
  if (n % 2) {
    uint32_t t = seed + (uint32_t)(pairs + 1) * 0x6d2b79f5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    t = t ^ (t >> 14);
    mask[n - 1] = (t & 0xffffu) < threshold ? 0.0f : keep;
  }
}

// min-char-rnn's clip to [−limit, limit] (src/rnn/optim.ts's clipGradients); NaN stays NaN, as there.
ELEMENTWISE void clipLoop(double* g, size_t n, double limit) {
  for (size_t i = 0; i < n; i++) {
    const double v = g[i];
    g[i] = v > limit ? limit : (v < -limit ? -limit : v);
  }
}

// s + Σ a[i]², summed one element after another as JS sums (the same bits; a sum in lanes would round otherwise).
double sumSquaresLoop(const double* a, size_t n, double s) {
  for (size_t i = 0; i < n; i++) s += a[i] * a[i];
  return s;
}

ELEMENTWISE void scaleLoop(double* a, size_t n, double k) {
  for (size_t i = 0; i < n; i++) a[i] *= k;
}

// The parallel trainer's traffic between float64 parameters and float32 kernels (src/kernels/parallel-trainer.ts,
// src/train/engines.ts): rounding to float32, the sum of two halves' float32 gradients, and widening to float64 with a scale.
ELEMENTWISE void narrowLoop(float* dst, const double* src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}

ELEMENTWISE void addLoop(float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] += b[i];
}

ELEMENTWISE void widenLoop(double* dst, const float* src, size_t n, double k) {
  for (size_t i = 0; i < n; i++) dst[i] = (double)src[i] * k;
}

// A typed array argument of the expected type: its data and length, or a thrown TypeError.
template <typename T>
bool typedArg(napi_env env, napi_value value, napi_typedarray_type want, T** data, size_t* length) {
  bool is = false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, value, &type, length, &ptr, nullptr, nullptr) != napi_ok || type != want) {
    napi_throw_type_error(env, nullptr, want == napi_float64_array ? "bard native elementwise: expected a Float64Array"
                                                                   : "bard native elementwise: expected a Float32Array");
    return false;
  }
  *data = (T*)ptr;
  return true;
}

bool numberArgs(napi_env env, const napi_value* argv, size_t from, size_t count, double* out) {
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[from + i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "bard native elementwise: arguments must be numbers");
      return false;
    }
  }
  return true;
}

bool sameLength(napi_env env, size_t a, size_t b) {
  if (a == b) return true;
  napi_throw_range_error(env, nullptr, "bard native elementwise: arrays of different lengths");
  return false;
}

// adam(theta, g, m, v, lr, beta1, beta2, eps, c1, c2, weightDecay): src/train/optimizers.ts's Adam on one array.
napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double *theta, *g, *m, *v, x[7];
  size_t n, ng, nm, nv;
  if (argc < 11 || !typedArg(env, argv[0], napi_float64_array, &theta, &n) || !typedArg(env, argv[1], napi_float64_array, &g, &ng) ||
      !typedArg(env, argv[2], napi_float64_array, &m, &nm) || !typedArg(env, argv[3], napi_float64_array, &v, &nv) ||
      !sameLength(env, n, ng) || !sameLength(env, n, nm) || !sameLength(env, n, nv) || !numberArgs(env, argv, 4, 7, x))
    return nullptr;
  adamLoop(theta, g, m, v, n, x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
  return nullptr;
}

// ema(avg, x, d): avg = d·avg + (1 − d)·x (src/train/average.ts).
napi_value Ema(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double *avg, *x, d;
  size_t n, nx;
  if (argc < 3 || !typedArg(env, argv[0], napi_float64_array, &avg, &n) || !typedArg(env, argv[1], napi_float64_array, &x, &nx) ||
      !sameLength(env, n, nx) || !numberArgs(env, argv, 2, 1, &d))
    return nullptr;
  emaLoop(avg, x, n, d);
  return nullptr;
}

// mask(dst, src, mask): dst = src ⊙ mask, a Float32Array mask (src/train/weight-drop.ts); dst may be src.
napi_value Mask(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double *dst, *src;
  float* mask;
  size_t n, ns, nm;
  if (argc < 3 || !typedArg(env, argv[0], napi_float64_array, &dst, &n) || !typedArg(env, argv[1], napi_float64_array, &src, &ns) ||
      !typedArg(env, argv[2], napi_float32_array, &mask, &nm) || !sameLength(env, n, ns) || !sameLength(env, n, nm))
    return nullptr;
  maskLoop(dst, src, mask, n);
  return nullptr;
}

// The arguments (a: Float64Array, x: number) of clip, sumSquares and scale.
bool arrayAndNumber(napi_env env, napi_callback_info info, double** a, size_t* n, double* x) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return argc >= 2 && typedArg(env, argv[0], napi_float64_array, a, n) && numberArgs(env, argv, 1, 1, x);
}

// clip(g, limit) and scale(a, k): a loop over one Float64Array in place, with one number.
template <void (*Loop)(double*, size_t, double)>
napi_value InPlace(napi_env env, napi_callback_info info) {
  double *a, x;
  size_t n;
  if (arrayAndNumber(env, info, &a, &n, &x)) Loop(a, n, x);
  return nullptr;
}

// sumSquares(a, s) → s + Σ a²
napi_value SumSquares(napi_env env, napi_callback_info info) {
  double *a, s;
  size_t n;
  if (!arrayAndNumber(env, info, &a, &n, &s)) return nullptr;
  napi_value out;
  napi_create_double(env, sumSquaresLoop(a, n, s), &out);
  return out;
}

// narrow(dst: Float32Array, src: Float64Array), add(a: Float32Array, b: Float32Array) and widen(dst: Float64Array,
// src: Float32Array, k): a loop over two arrays of the same length, the first written, with a number when the loop takes one.
template <typename A, napi_typedarray_type TA, typename B, napi_typedarray_type TB, auto Loop>
napi_value TwoArrays(napi_env env, napi_callback_info info) {
  constexpr bool withNumber = std::is_invocable_v<decltype(Loop), A*, const B*, size_t, double>;
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  A* a;
  B* b;
  size_t n, nb;
  double k = 0;
  if (argc < 2 || !typedArg(env, argv[0], TA, &a, &n) || !typedArg(env, argv[1], TB, &b, &nb) || !sameLength(env, n, nb) ||
      (withNumber && !numberArgs(env, argv, 2, 1, &k)))
    return nullptr;
  if constexpr (withNumber) Loop(a, b, n, k);
  else Loop(a, b, n);
  return nullptr;
}

// dropoutMask(mask, threshold, keep, seed): src/train/dropout.ts's fillDropoutMask.
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float* mask;
  size_t n;
  double x[3];
  if (argc < 4 || !typedArg(env, argv[0], napi_float32_array, &mask, &n) || !numberArgs(env, argv, 1, 3, x)) return nullptr;
  dropoutLoop(mask, n, (uint32_t)x[0], (float)x[1], (uint32_t)(int64_t)x[2]);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, list;
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, Bind, nullptr, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_function(env, "memory", NAPI_AUTO_LENGTH, Memory, nullptr, &fn);
  napi_set_named_property(env, exports, "memory", fn);
  napi_create_function(env, "fmaPeak", NAPI_AUTO_LENGTH, FmaPeak, nullptr, &fn);
  napi_set_named_property(env, exports, "fmaPeak", fn);
  napi_create_array_with_length(env, isas.size(), &list);
  for (size_t i = 0; i < isas.size(); i++) {
    napi_value name;
    napi_create_string_utf8(env, isas[i]->isa, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, list, (uint32_t)i, name);
  }
  napi_set_named_property(env, exports, "isas", list);
  napi_value elementwise;
  napi_create_object(env, &elementwise);
  const struct {
    const char* name;
    napi_callback fn;
  } ew[] = {{"adam", Adam}, {"ema", Ema}, {"mask", Mask}, {"dropoutMask", DropoutMask}, {"clip", InPlace<clipLoop>}, {"sumSquares", SumSquares}, {"scale", InPlace<scaleLoop>},
                {"narrow", TwoArrays<float, napi_float32_array, double, napi_float64_array, narrowLoop>},
                {"add", TwoArrays<float, napi_float32_array, float, napi_float32_array, addLoop>}, {"widen", TwoArrays<double, napi_float64_array, float, napi_float32_array, widenLoop>}};
  for (const auto& f : ew) {
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn);
    napi_set_named_property(env, elementwise, f.name, fn);
  }
  napi_set_named_property(env, exports, "elementwise", elementwise);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
