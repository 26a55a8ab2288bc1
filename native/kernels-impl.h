// The kernels, written once and compiled per instruction set: kernels.cc includes this file inside a
// namespace that first defines the vector type vf of W floats, its operations, and the tile shape (R rows of
// the batch × S vectors of columns). It mirrors src/kernels/assembly/index.ts operation by operation, so
// that both give the same float32 bits: every product element is one chain acc = fma(x, w, acc) in the
// order of k, and the elementwise code does the same operations in the same order (no fused multiply-adds
// outside the products: kernels.cc is built with -ffp-contract=off).

constexpr int SW = S * W;  // columns of a full strip
constexpr int KC = 256;    // strip rows per chunk: a chunk of a strip (KC × SW floats) stays in L1

// Packed weights: W (K rows of M columns, row stride ldw) as column strips of SW columns (a last strip as few
// whole vectors as cover what is left), each K rows one after the other, zero past column M.
static inline int stripWidth(int left) { return std::min(SW, (left + W - 1) / W * W); }

static size_t stripFloats(int K, int M) {
  size_t n = 0;
  for (int j = 0; j < M; j += stripWidth(M - j)) n += (size_t)K * stripWidth(M - j);
  return n;
}

static void packStrips(const float* w, int K, int M, long ldw, float* dst) {
  for (int j = 0; j < M;) {
    const int sw = stripWidth(M - j);
    const int n = std::min(sw, M - j);
    for (int k = 0; k < K; k++) {
      const float* src = w + k * ldw + j;
      for (int i = 0; i < n; i++) dst[i] = src[i];
      for (int i = n; i < sw; i++) dst[i] = 0;
      dst += sw;
    }
    j += sw;
  }
}

// X (nb rows of K; element (b, k) at x[b·xrs + k·xcs]) as panels of R rows: panel p is K groups of R floats,
// X[Rp][k] … X[Rp+R−1][k], rows past nb zero.
static size_t panelFloats(int nb, int K) { return (size_t)((nb + R - 1) / R) * R * K; }

static void packPanels(const float* x, int nb, int K, long xrs, long xcs, float* dst) {
  for (int b0 = 0; b0 < nb; b0 += R) {
    const int rows = std::min(R, nb - b0);
    if (xcs == 1 && rows == R) {
      // Rows are contiguous: 4 rows × 4 columns at a time, transposed in registers.
      for (int r = 0; r < R; r += 4) {
        const float* s0 = x + (b0 + r) * xrs;
        int k = 0;
        for (; k + 4 <= K; k += 4) {
          __m128 a = _mm_loadu_ps(s0 + k), b = _mm_loadu_ps(s0 + xrs + k);
          __m128 c = _mm_loadu_ps(s0 + 2 * xrs + k), d = _mm_loadu_ps(s0 + 3 * xrs + k);
          _MM_TRANSPOSE4_PS(a, b, c, d);
          _mm_storeu_ps(dst + k * R + r, a);
          _mm_storeu_ps(dst + (k + 1) * R + r, b);
          _mm_storeu_ps(dst + (k + 2) * R + r, c);
          _mm_storeu_ps(dst + (k + 3) * R + r, d);
        }
        for (; k < K; k++)
          for (int i = 0; i < 4; i++) dst[k * R + r + i] = s0[i * xrs + k];
      }
    } else if (xcs == 1) {
      for (int r = 0; r < R; r++) {
        if (r < rows) {
          const float* src = x + (b0 + r) * xrs;
          for (int k = 0; k < K; k++) dst[k * R + r] = src[k];
        } else {
          for (int k = 0; k < K; k++) dst[k * R + r] = 0;
        }
      }
    } else {
      for (int k = 0; k < K; k++) {
        const float* src = x + b0 * xrs + k * xcs;
        for (int r = 0; r < R; r++) dst[k * R + r] = r < rows ? src[r * xrs] : 0;
      }
    }
    dst += (size_t)K * R;
  }
}

// C rows 0..rows−1, columns 0..cols−1 of an R × NS·W tile = (first ? 0 : C) + the panel's K groups times the
// strip's K rows (wstride floats apart: NS·W in a packed strip, ldw in W itself).
template <int NS>
static inline void tile(float* c, long ldc, const float* xp, const float* wp, long wstride, int K, int rows, int cols,
                        bool first) {
  vf acc[R][NS];
  alignas(64) float edge[R][NS * W];
  const bool whole = rows == R && cols == NS * W;
  if (first) {
    for (int r = 0; r < R; r++)
      for (int s = 0; s < NS; s++) acc[r][s] = vzero();
  } else if (whole) {
    for (int r = 0; r < R; r++)
      for (int s = 0; s < NS; s++) acc[r][s] = vload(c + r * ldc + s * W);
  } else {
    for (int r = 0; r < R; r++)
      for (int i = 0; i < NS * W; i++) edge[r][i] = r < rows && i < cols ? c[r * ldc + i] : 0;
    for (int r = 0; r < R; r++)
      for (int s = 0; s < NS; s++) acc[r][s] = vload(&edge[r][s * W]);
  }
  for (int k = 0; k < K; k++) {
    vf w[NS];
    for (int s = 0; s < NS; s++) w[s] = vload(wp + s * W);
    for (int r = 0; r < R; r++) {
      const vf b = vbcast(xp + r);
      for (int s = 0; s < NS; s++) acc[r][s] = vfma(b, w[s], acc[r][s]);
    }
    xp += R;
    wp += wstride;
  }
  if (whole) {
    for (int r = 0; r < R; r++)
      for (int s = 0; s < NS; s++) vstore(c + r * ldc + s * W, acc[r][s]);
  } else {
    for (int r = 0; r < R; r++)
      for (int s = 0; s < NS; s++) vstore(&edge[r][s * W], acc[r][s]);
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < cols; i++) c[r * ldc + i] = edge[r][i];
  }
}

// C (nb rows of M, row stride ldc) = X · W, X packed by packPanels; strip(j, sw) gives the strip of columns j..j+sw
// as {its row 0, the floats between its rows}.
template <typename Strip>
static void gemmStrips(float* c, long ldc, const float* xpan, Strip strip, int nb, int K, int M) {
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = std::min(KC, K - k0);
    for (int j = 0; j < M;) {
      const int sw = stripWidth(M - j);
      const int cols = std::min(sw, M - j);
      const std::pair<const float*, long> st = strip(j, sw);
      const float* sk = st.first + (size_t)k0 * st.second;
      for (int b0 = 0; b0 < nb; b0 += R) {
        const float* pk = xpan + (size_t)(b0 / R) * K * R + (size_t)k0 * R;
        const int rows = std::min(R, nb - b0);
        float* cb = c + b0 * ldc + j;
        switch (sw / W) {
          case 1: tile<1>(cb, ldc, pk, sk, st.second, kc, rows, cols, k0 == 0); break;
          case 2: tile<std::min(2, S)>(cb, ldc, pk, sk, st.second, kc, rows, cols, k0 == 0); break;
          case 3: tile<std::min(3, S)>(cb, ldc, pk, sk, st.second, kc, rows, cols, k0 == 0); break;
          default: tile<S>(cb, ldc, pk, sk, st.second, kc, rows, cols, k0 == 0); break;
        }
      }
      j += sw;
    }
  }
}

// C = X · W, X packed by packPanels, W by packStrips (same K and M): strip j starts K·j floats in.
static void gemmPacked(float* c, long ldc, const float* xpan, const float* wpk, int nb, int K, int M) {
  gemmStrips(c, ldc, xpan, [&](int j, int sw) { return std::make_pair(wpk + (size_t)K * j, (long)sw); }, nb, K, M);
}

// Scratch of this thread for the packed operands (each worker thread has its own).
static thread_local std::vector<float> wscratch, xscratch;

static float* scratch(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// C = X · W (W row stride ldw; X strides xrs, xcs), X packed first. W's whole strips are read where they are (the
// weight gradients' W is every state of the window: copying it cost more than reading it in strips), unless ldw is a
// multiple of 256 bytes, which maps a strip's rows onto a few L1 sets (H = 512: rows 2 KB apart); a last, narrower
// strip is always packed (reading it in place would read past the end of W).
static void gemm(float* c, long ldc, const float* x, long xrs, long xcs, const float* w, long ldw, int nb, int K,
                 int M) {
  float* xp = scratch(xscratch, panelFloats(nb, K));
  packPanels(x, nb, K, xrs, xcs, xp);
  if (ldw % 64 == 0) {
    float* wp = scratch(wscratch, stripFloats(K, M));
    packStrips(w, K, M, ldw, wp);
    return gemmPacked(c, ldc, xp, wp, nb, K, M);
  }
  const int whole = M / SW * SW;
  float* last = whole < M ? scratch(wscratch, (size_t)K * stripWidth(M - whole)) : nullptr;
  if (last) packStrips(w + whole, K, M - whole, ldw, last);
  const auto strip = [&](int j, int sw) {
    return j < whole ? std::make_pair(w + j, ldw) : std::make_pair((const float*)last, (long)sw);
  };
  gemmStrips(c, ldc, xp, strip, nb, K, M);
}

// tanh and exp as index.ts's tanh4 and exp4, the same operations in the same order on vectors of W floats (vf) or of
// 4 (__m128, for what is left of a row): so the same bits lane by lane. WASM's pmin(a, b) is b < a ? b : a, and
// pmax(a, b) is a < b ? b : a, which x86's min(b, a) and max(b, a) are.
// Arithmetic on any of the vector types through GCC's vector extensions (one instruction each; never fused, as
// kernels.cc is built with -ffp-contract=off).
template <typename V>
static inline V vadd(V a, V b) { return a + b; }
template <typename V>
static inline V vsub(V a, V b) { return a - b; }
template <typename V>
static inline V vmul(V a, V b) { return a * b; }
template <typename V>
static inline V vdiv(V a, V b) { return a / b; }
static inline __m128 vpmin(__m128 a, __m128 b) { return _mm_min_ps(b, a); }
static inline __m128 vpmax(__m128 a, __m128 b) { return _mm_max_ps(b, a); }
static inline __m128 vsplat(__m128, float f) { return _mm_set1_ps(f); }
static inline __m128 vnearest(__m128 a) { return _mm_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline __m128 vpow2(__m128 n) {
  return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_cvttps_epi32(n), _mm_set1_epi32(127)), 23));
}
static inline void vstore(float* p, __m128 a) { _mm_storeu_ps(p, a); }

// A constant in every lane, rounded from double as AssemblyScript rounds its f32 constants.
template <typename V>
static inline V splat(double f) {
  return vsplat(V(), (float)f);
}

template <typename V>
static inline V tanhV(V a) {
  const V x = vpmax(vpmin(a, splat<V>(9.0)), splat<V>(-9.0));
  const V x2 = vmul(x, x);
  V p = vadd(vmul(x2, splat<V>(-2.76076847742355e-16)), splat<V>(2.00018790482477e-13));
  p = vadd(vmul(x2, p), splat<V>(-8.60467152213735e-11));
  p = vadd(vmul(x2, p), splat<V>(5.12229709037114e-8));
  p = vadd(vmul(x2, p), splat<V>(1.48572235717979e-5));
  p = vadd(vmul(x2, p), splat<V>(6.37261928875436e-4));
  p = vadd(vmul(x2, p), splat<V>(4.89352455891786e-3));
  p = vmul(x, p);
  V q = vadd(vmul(x2, splat<V>(1.19825839466702e-6)), splat<V>(1.18534705686654e-4));
  q = vadd(vmul(x2, q), splat<V>(2.268434632439e-3));
  q = vadd(vmul(x2, q), splat<V>(4.89352518554385e-3));
  return vpmax(vpmin(vdiv(p, q), splat<V>(1.0)), splat<V>(-1.0));
}

template <typename V>
static inline V expV(V a) {
  const V x = vpmax(a, splat<V>(-87.3));
  const V n = vnearest(vmul(x, splat<V>(1.44269504089)));
  V r = vsub(x, vmul(n, splat<V>(0.693359375)));
  r = vsub(r, vmul(n, splat<V>(-2.12194440e-4)));
  V p = vadd(vmul(splat<V>(1.9875691500e-4), r), splat<V>(1.3981999507e-3));
  p = vadd(vmul(p, r), splat<V>(8.3334519073e-3));
  p = vadd(vmul(p, r), splat<V>(4.1665795894e-2));
  p = vadd(vmul(p, r), splat<V>(1.6666665459e-1));
  p = vadd(vmul(p, r), splat<V>(5.0000001201e-1));
  p = vadd(vadd(vmul(vmul(p, r), r), r), splat<V>(1.0));
  return vmul(p, vpow2(n));
}

// dst[j] = tanh((a[j] + b[j]) + c[j]) for j < n (a multiple of 4): vectors of W, then of 4.
static inline void addAddTanh(float* dst, const float* a, const float* b, const float* c, int n) {
  int j = 0;
  for (; j + W <= n; j += W) vstore(dst + j, tanhV(vadd(vadd(vload(a + j), vload(b + j)), vload(c + j))));
  for (; j < n; j += 4) vstore(dst + j, tanhV(vadd(vadd(_mm_loadu_ps(a + j), _mm_loadu_ps(b + j)), _mm_loadu_ps(c + j))));
}

// dst[j] = exp((y[j] − top) · inv) for j < n (a multiple of 4).
static inline void expScaled(float* dst, const float* y, float top, float inv, int n) {
  int j = 0;
  const vf t = vsplat(vf(), top), s = vsplat(vf(), inv);
  for (; j + W <= n; j += W) vstore(dst + j, expV(vmul(vsub(vload(y + j), t), s)));
  for (; j < n; j += 4) vstore(dst + j, expV(vmul(vsub(_mm_loadu_ps(y + j), vlow(t)), vlow(s))));
}

static void addInputTanh(float* rows, const int32_t* ixs, int nb, int Hp, const float* WxhT, const float* bh) {
  for (int b = 0; b < nb; b++) {
    float* r = rows + (size_t)b * Hp;
    addAddTanh(r, WxhT + (size_t)ixs[b] * Hp, r, bh, Hp);
  }
}

static void trainForward(char* m, int hsO, int xsO, int ysO, int T, int B, int H, int Hp, int Vp, int WhhTO, int WxhTO,
                         int bhO, int WhyTO, int byO, int maskO, int hdO) {
  float* hs = (float*)(m + hsO);
  const int32_t* xs = (const int32_t*)(m + xsO);
  float* ys = (float*)(m + ysO);
  const float* WxhT = (const float*)(m + WxhTO);
  const float* bh = (const float*)(m + bhO);
  const float* by = (const float*)(m + byO);
  const size_t step = (size_t)B * Hp;
  const int N = T * B;
  float* wp = scratch(wscratch, stripFloats(H, Hp));
  packStrips((const float*)(m + WhhTO), H, Hp, Hp, wp);
  float* xp = scratch(xscratch, panelFloats(B, H));
  for (int t = 0; t < T; t++) {
    float* hprev = hs + t * step;
    packPanels(hprev, B, H, Hp, 1, xp);
    gemmPacked(hprev + step, Hp, xp, wp, B, H, Hp);
    addInputTanh(hprev + step, xs + t * B, B, Hp, WxhT, bh);
  }
  const float* out = hs + step;
  if (maskO) {
    const float* mask = (const float*)(m + maskO);
    float* hd = (float*)(m + hdO);
    for (size_t i = 0; i < (size_t)N * Hp; i++) hd[i] = out[i] * mask[i];
    out = hd;
  }
  gemm(ys, Vp, out, Hp, 1, (const float*)(m + WhyTO), Vp, N, H, Vp);
  for (int n = 0; n < N; n++)
    for (int c = 0; c < Vp; c++) ys[(size_t)n * Vp + c] += by[c];
}

static double softmaxLoss(char* m, int ysO, int targetsO, int N, int V, int Vp) {
  float* ys = (float*)(m + ysO);
  const int32_t* targets = (const int32_t*)(m + targetsO);
  double loss = 0;
  for (int n = 0; n < N; n++) {
    float* r = ys + (size_t)n * Vp;
    float max = r[0];
    for (int c = 1; c < V; c++) max = std::max(max, r[c]);
    float* pt = r + targets[n];
    const float yt = *pt - max;
    // e = exp(y − max) over whole vectors (the padding columns, from V on, zeroed after), then the sum in the four
    // lanes of WASM's f32x4, column c into lane c mod 4, in order.
    expScaled(r, r, max, 1.0f, Vp);
    for (int c = V; c < Vp; c++) r[c] = 0;
    __m128 acc = _mm_setzero_ps();
    for (int c = 0; c < Vp; c += 4) acc = _mm_add_ps(acc, _mm_loadu_ps(r + c));
    float lane[4];
    _mm_storeu_ps(lane, acc);
    const double sum = (double)lane[0] + (double)lane[1] + (double)lane[2] + (double)lane[3];
    loss += std::log(sum) - (double)yt;
    const float inv = (float)(1.0 / sum);
    for (int c = 0; c < Vp; c++) r[c] = r[c] * inv;
    *pt = *pt - 1;
  }
  return loss;
}

static void trainBackward(char* m, int hsO, int xsO, int ysO, int dhoutO, int dhrawO, int dhnextO, int T, int B, int H,
                          int Hp, int V, int Vp, int WhhO, int WhyO, int dWhhO, int dWxhTO, int dWhyO, int dbhO, int dbyO,
                          int maskO, int hdO, int dhextraO) {
  float* hs = (float*)(m + hsO);
  const int32_t* xs = (const int32_t*)(m + xsO);
  float* ys = (float*)(m + ysO);
  float* dhout = (float*)(m + dhoutO);
  float* dhraw = (float*)(m + dhrawO);
  float* dhnext = (float*)(m + dhnextO);
  const int N = T * B;
  const size_t step = (size_t)B * Hp;
  // dh from the outputs for all rows at once: dhout = dy · Why (⊙ mask)
  gemm(dhout, Hp, ys, Vp, 1, (const float*)(m + WhyO), Hp, N, V, Hp);
  if (maskO) {
    const float* mask = (const float*)(m + maskO);
    for (size_t i = 0; i < (size_t)N * Hp; i++) dhout[i] = dhout[i] * mask[i];
  }
  // A loss term on the states themselves (the norm stabiliser), given per row: dhout += dhextra
  if (dhextraO) {
    const float* extra = (const float*)(m + dhextraO);
    for (size_t i = 0; i < (size_t)N * Hp; i++) dhout[i] = dhout[i] + extra[i];
  }
  for (size_t i = 0; i < step; i++) dhnext[i] = 0;
  float* wp = scratch(wscratch, stripFloats(H, Hp));
  packStrips((const float*)(m + WhhO), H, Hp, Hp, wp);
  float* xp = scratch(xscratch, panelFloats(B, H));
  for (int t = T - 1; t >= 0; t--) {
    const float* h = hs + (t + 1) * step;
    const float* dho = dhout + t * step;
    float* dr = dhraw + t * step;
    for (size_t i = 0; i < step; i++) dr[i] = (1.0f - h[i] * h[i]) * (dho[i] + dhnext[i]);
    if (t > 0) {
      packPanels(dr, B, H, Hp, 1, xp);
      gemmPacked(dhnext, Hp, xp, wp, B, H, Hp);
    }
  }
  // dWhh[j][k] = Σ_n dhraw[n][j] · hprev[n][k];  dWhy[c][j] = Σ_n dy[n][c] · h[n][j] (hd under dropout)
  gemm((float*)(m + dWhhO), Hp, dhraw, 1, Hp, hs, Hp, H, N, Hp);
  gemm((float*)(m + dWhyO), Hp, ys, 1, Vp, maskO ? (const float*)(m + hdO) : hs + step, Hp, V, N, Hp);
  float* dWxhT = (float*)(m + dWxhTO);
  float* dbh = (float*)(m + dbhO);
  for (size_t i = 0; i < (size_t)V * Hp; i++) dWxhT[i] = 0;
  for (int j = 0; j < Hp; j++) dbh[j] = 0;
  for (int n = 0; n < N; n++) {
    const float* d = dhraw + (size_t)n * Hp;
    float* col = dWxhT + (size_t)xs[n] * Hp;
    for (int j = 0; j < Hp; j++) {
      col[j] += d[j];
      dbh[j] += d[j];
    }
  }
  float* dby = (float*)(m + dbyO);
  for (int c = 0; c < Vp; c++) dby[c] = 0;
  for (int n = 0; n < N; n++)
    for (int c = 0; c < Vp; c++) dby[c] += ys[(size_t)n * Vp + c];
}

static void transpose(char* m, int srcO, int dstO, int rows, int cols, int lds, int ldd) {
  const float* src = (const float*)(m + srcO);
  float* dst = (float*)(m + dstO);
  for (int r0 = 0; r0 < rows; r0 += 16)
    for (int c0 = 0; c0 < cols; c0 += 16)
      for (int r = r0; r < std::min(r0 + 16, rows); r++)
        for (int c = c0; c < std::min(c0 + 16, cols); c++) dst[(size_t)c * ldd + r] = src[(size_t)r * lds + c];
}

// ---------------------------------------------------------------------------------------------
// The generation step (index.ts's stepHidden, project, finishStep, sampleRows) on weights as they are laid out
// (no packing: they stay fixed between calls, and one stream reads each row of W once per step).

// C row c[0..M) = x · W for one row x (element k at x[k·xcs]), W row k at w + k·ldw; M a multiple of 4.
// Blocks of up to NB vectors of W floats and NT vectors of 4 (the last block's tail): independent chains, so the
// multiply-adds do not wait on each other. No masked loads: they, too, kept the accumulators on the stack.
template <int NV, int NT>
static inline void rowBlock(float* c, const float* x, long xcs, const float* w, long ldw, int K) {
  vf acc[NV > 0 ? NV : 1];
  __m128 tail[NT > 0 ? NT : 1];
  for (int v = 0; v < NV; v++) acc[v] = vzero();
  for (int t = 0; t < NT; t++) tail[t] = _mm_setzero_ps();
  for (int k = 0; k < K; k++) {
    const vf s = vbcast(x + k * xcs);
    const float* row = w + k * ldw;
    for (int v = 0; v < NV; v++) acc[v] = vfma(s, vload(row + v * W), acc[v]);
    for (int t = 0; t < NT; t++) tail[t] = _mm_fmadd_ps(vlow(s), _mm_loadu_ps(row + NV * W + 4 * t), tail[t]);
  }
  for (int v = 0; v < NV; v++) vstore(c + v * W, acc[v]);
  for (int t = 0; t < NT; t++) _mm_storeu_ps(c + NV * W + 4 * t, tail[t]);
}

constexpr int NB = 12;  // accumulators per block: 12 chains hide the multiply-add latency on both instruction sets

// The last block: nv whole vectors and nt vectors of 4 floats.
template <int NV>
static inline void lastBlock(float* c, const float* x, long xcs, const float* w, long ldw, int K, int nt) {
  switch (nt) {
    case 0: rowBlock<NV, 0>(c, x, xcs, w, ldw, K); break;
    case 1: rowBlock<NV, 1>(c, x, xcs, w, ldw, K); break;
    case 2: if constexpr (W > 8) rowBlock<NV, 2>(c, x, xcs, w, ldw, K); break;
    case 3: if constexpr (W > 8) rowBlock<NV, 3>(c, x, xcs, w, ldw, K); break;
  }
}

static void gemmRows(float* c, long ldc, const float* x, long xrs, long xcs, const float* w, long ldw, int nb, int K,
                     int M) {
  for (int b = 0; b < nb; b++) {
    const float* xb = x + b * xrs;
    float* cb = c + b * ldc;
    int j = 0;
    for (; j + NB * W <= M; j += NB * W) rowBlock<NB, 0>(cb + j, xb, xcs, w + j, ldw, K);
    if (j == M) continue;
    const int nt = (M - j) % W / 4;
    switch ((M - j) / W) {
#define BLOCK(n) \
  case n:        \
    lastBlock<n>(cb + j, xb, xcs, w + j, ldw, K, nt); \
    break;
      BLOCK(0) BLOCK(1) BLOCK(2) BLOCK(3) BLOCK(4) BLOCK(5) BLOCK(6) BLOCK(7) BLOCK(8) BLOCK(9) BLOCK(10) BLOCK(11)
#undef BLOCK
    }
  }
}

// Batches of at least GEMM_ROWS streams step through the tiled product over weights packed once at load
// (packWeights); fewer read the weights as laid out, a row at a time, which reads each row of W once per stream and
// wastes no tile rows. Either route computes the same chains, so the same bits.
constexpr int GEMM_ROWS = R / 2;

// The packed layout's size and the packing, for a weight matrix that stays fixed between calls (the step kernel's).
static double packedFloats(char*, int K, int M) { return (double)stripFloats(K, M); }
static double panelFloatsOf(char*, int nb, int K) { return (double)panelFloats(nb, K); }

static void packWeights(char* m, int wO, int K, int M, int ldw, int dstO) {
  packStrips((const float*)(m + wO), K, M, ldw, (float*)(m + dstO));
}

// C (nb rows, stride ldc) = the rows x (stride xrs) times W: as laid out (w, ldw), or packed (wpk) for a batch.
static void stepProduct(float* c, long ldc, const float* x, long xrs, const float* w, long ldw, const float* wpk, int nb,
                        int K, int M) {
  if (nb < GEMM_ROWS || wpk == (const float*)nullptr) return gemmRows(c, ldc, x, xrs, 1, w, ldw, nb, K, M);
  float* xp = scratch(xscratch, panelFloats(nb, K));
  packPanels(x, nb, K, xrs, 1, xp);
  gemmPacked(c, ldc, xp, wpk, nb, K, M);
}

static void stepHidden(char* m, int hinO, int houtO, int ixsO, int nb, int H, int Hp, int WhhTO, int ldWhhT, int WxhTO,
                       int bhO, int WhhPO) {
  float* hout = (float*)(m + houtO);
  const float* WhhP = WhhPO ? (const float*)(m + WhhPO) : nullptr;
  stepProduct(hout, Hp, (const float*)(m + hinO), Hp, (const float*)(m + WhhTO), ldWhhT, WhhP, nb, H, Hp);
  addInputTanh(hout, (const int32_t*)(m + ixsO), nb, Hp, (const float*)(m + WxhTO), (const float*)(m + bhO));
}

static void project(char* m, int hO, int syO, int nb, int H, int Hp, int Vp, int WcatO, int ldW, int byO, int WhhPO,
                    int WhyPO) {
  const int M = Hp + Vp;
  float* sy = (float*)(m + syO);
  const float* h = (const float*)(m + hO);
  const float* by = (const float*)(m + byO);
  const float* Wcat = (const float*)(m + WcatO);
  if (nb < GEMM_ROWS || !WhhPO || !WhyPO) {
    gemmRows(sy, M, h, Hp, 1, Wcat, ldW, nb, H, M);
  } else {
    // One packing of the batch's rows for both products.
    float* xp = scratch(xscratch, panelFloats(nb, H));
    packPanels(h, nb, H, Hp, 1, xp);
    gemmPacked(sy, M, xp, (const float*)(m + WhhPO), nb, H, Hp);
    gemmPacked(sy + Hp, M, xp, (const float*)(m + WhyPO), nb, H, Vp);
  }
  for (int b = 0; b < nb; b++) {
    float* y = sy + (size_t)b * M + Hp;
    for (int c = 0; c < Vp; c++) y[c] = y[c] + by[c];
  }
}

static void finishStep(char* m, int syO, int houtO, int ixsO, int nb, int Hp, int Vp, int WxhTO, int bhO) {
  const int M = Hp + Vp;
  const float* sy = (const float*)(m + syO);
  float* hout = (float*)(m + houtO);
  const int32_t* ixs = (const int32_t*)(m + ixsO);
  const float* WxhT = (const float*)(m + WxhTO);
  const float* bh = (const float*)(m + bhO);
  for (int b = 0; b < nb; b++) {
    addAddTanh(hout + (size_t)b * Hp, WxhT + (size_t)ixs[b] * Hp, sy + (size_t)b * M, bh, Hp);
  }
}

// The largest of r[0..n): over whole vectors, then one by one (max is exact, so any order gives the same value).
static inline float rowMax(const float* r, int n) {
  float top = r[0];
  int c = 1;
  if (n >= W) {
    vf mv = vload(r);
    for (c = W; c + W <= n; c += W) mv = vpmax(mv, vload(r + c));
    alignas(64) float lanes[W];
    vstore(lanes, mv);
    for (float l : lanes) top = std::max(top, l);
  }
  for (; c < n; c++) top = std::max(top, r[c]);
  return top;
}

static thread_local std::vector<float> expScratch;
static thread_local std::vector<double> cumulative;

// Rows are drawn four at a time: each row's running sum is its own chain of float64 additions in the order of c (the
// bits of rng.choice's scan), and four such chains side by side in one vector wait on each other's latency no more
// than one does.
static void sampleRows(char* m, int yO, int nb, int V, int Vp, int ldy, int invTO, int uO, int outO, int) {
  const float* invT = (const float*)(m + invTO);
  const double* u = (const double*)(m + uO);
  int32_t* out = (int32_t*)(m + outO);
  float* e = scratch(expScratch, (size_t)4 * Vp);
  if (cumulative.size() < (size_t)4 * V) cumulative.resize((size_t)4 * V);
  double* cum = cumulative.data();  // cum[4c + r]: row r's e[0] + … + e[c]
  for (int b0 = 0; b0 < nb; b0 += 4) {
    const int rows = std::min(4, nb - b0);
    for (int r = 0; r < 4; r++) {
      float* er = e + (size_t)r * Vp;
      if (r < rows) {
        const float* y = (const float*)(m + yO) + (size_t)(b0 + r) * ldy;
        expScaled(er, y, rowMax(y, V), invT[b0 + r], Vp);
      } else if (rows > 1) {
        std::fill(er, er + Vp, 0.0f);
      }
    }
    if (rows == 1) {  // one stream: its chain alone
      double sum = 0;
      for (int c = 0; c < V; c++) cum[4 * c] = sum += (double)e[c];
    } else {
      __m256d sum = _mm256_setzero_pd();
      for (int c = 0; c < V; c++) {
        const __m128 ec = _mm_setr_ps(e[c], e[Vp + c], e[2 * Vp + c], e[3 * Vp + c]);
        sum = _mm256_add_pd(sum, _mm256_cvtps_pd(ec));
        _mm256_storeu_pd(cum + 4 * c, sum);
      }
    }
    for (int r = 0; r < rows; r++) {
      const double target = u[b0 + r] * cum[4 * (V - 1) + r];
      int pick = -1;
      for (int c = 0; c < V; c++) {
        if (target < cum[4 * c + r]) {
          pick = c;
          break;
        }
      }
      if (pick < 0) {
        const float* er = e + (size_t)r * Vp;
        pick = V - 1;
        while (pick > 0 && er[pick] == 0) pick--;
      }
      out[b0 + r] = pick;
    }
  }
}

// Floating-point operations per second that fused multiply-adds of this width reach on this core: 12 independent
// chains, more than pipes × latency on current x86 cores. The bench divides a kernel's rate by it. Named variables,
// not an array: GCC keeps an array of vectors in memory, and the chains then run at store-to-load speed.
static double fmaPeak(double seconds) {
  const vf m = vsplat(vzero(), 0.999f), d = vsplat(vzero(), 0.001f);
  vf a0 = d, a1 = d, a2 = d, a3 = d, a4 = d, a5 = d, a6 = d, a7 = d, a8 = d, a9 = d, a10 = d, a11 = d;
  const auto start = std::chrono::steady_clock::now();
  long steps = 0;
  double elapsed;
  do {
    for (int k = 0; k < 1 << 16; k++) {
      a0 = vfma(a0, m, d), a1 = vfma(a1, m, d), a2 = vfma(a2, m, d), a3 = vfma(a3, m, d);
      a4 = vfma(a4, m, d), a5 = vfma(a5, m, d), a6 = vfma(a6, m, d), a7 = vfma(a7, m, d);
      a8 = vfma(a8, m, d), a9 = vfma(a9, m, d), a10 = vfma(a10, m, d), a11 = vfma(a11, m, d);
      // The chains stay in registers and are not folded away.
      asm volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
    }
    steps += 1 << 16;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return 12.0 * W * 2 * (double)steps / elapsed;
}
