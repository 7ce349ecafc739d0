// FineTuneMesh's native kernels: the few inner loops .NET cannot express. .NET 10 has no
// AVX512_BF16 intrinsics, so a bf16 weight read by managed code is widened to fp32 before each
// multiply-add, and on Zen 4 that makes a decode step arithmetic-bound before it is memory-bound.
// vdpbf16ps multiplies bf16 pairs and accumulates in fp32, 32 products an instruction.
//
// Every function is compiled for its instruction set with a target attribute, so the library
// loads on any x86-64 CPU; the managed side calls a function only where the CPU has what it needs.
//
// Each activation row's result is computed by exactly the same operations in the same order
// whether it comes alone or with others, so batched rows give the same bits as rows alone.

#include <immintrin.h>
#include <stdint.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// The ABI version the managed side checks, bumped whenever a signature changes.
int ftm_version(void) { return 2; }

// fp32 -> bf16, round to nearest even (what LibTorch's bf16 casts do), n values.
BF16_TARGET void ftm_to_bf16(const float* x, uint16_t* out, int64_t n)
{
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
    {
        __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
        _mm512_storeu_si512((void*)(out + i), (__m512i)pair);
    }
    for (; i < n; i++)
    {
        __m128bh one = _mm_cvtneps_pbh(_mm_set1_ps(x[i]));
        out[i] = (uint16_t)_mm_extract_epi16((__m128i)one, 0);
    }
}

// Sums of bf16 products over cols for R activation rows against one weight row. Four accumulators
// per activation row (the products' latency), then the same reduction for every row. Inlined with
// R constant, so the accumulators stay in registers.
BF16_TARGET static inline __attribute__((always_inline)) void dot_rows(const uint16_t* w, const uint16_t* x,
    int64_t xStride, int cols, float* y, int64_t yStride, const int R)
{
    __m512 acc[4][4];
    for (int t = 0; t < R; t++)
        for (int k = 0; k < 4; k++) acc[t][k] = _mm512_setzero_ps();
    int c = 0;
    for (; c + 128 <= cols; c += 128)
    {
        __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void*)(w + c));
        __m512bh w1 = (__m512bh)_mm512_loadu_si512((const void*)(w + c + 32));
        __m512bh w2 = (__m512bh)_mm512_loadu_si512((const void*)(w + c + 64));
        __m512bh w3 = (__m512bh)_mm512_loadu_si512((const void*)(w + c + 96));
        for (int t = 0; t < R; t++)
        {
            const uint16_t* xt = x + t * xStride + c;
            acc[t][0] = _mm512_dpbf16_ps(acc[t][0], w0, (__m512bh)_mm512_loadu_si512((const void*)xt));
            acc[t][1] = _mm512_dpbf16_ps(acc[t][1], w1, (__m512bh)_mm512_loadu_si512((const void*)(xt + 32)));
            acc[t][2] = _mm512_dpbf16_ps(acc[t][2], w2, (__m512bh)_mm512_loadu_si512((const void*)(xt + 64)));
            acc[t][3] = _mm512_dpbf16_ps(acc[t][3], w3, (__m512bh)_mm512_loadu_si512((const void*)(xt + 96)));
        }
    }
    for (; c < cols; c += 32)
    {
        int left = cols - c;
        __mmask32 mask = left >= 32 ? 0xFFFFFFFFu : ((1u << left) - 1);
        __m512bh wk = (__m512bh)_mm512_maskz_loadu_epi16(mask, (const void*)(w + c));
        for (int t = 0; t < R; t++)
            acc[t][0] = _mm512_dpbf16_ps(acc[t][0], wk, (__m512bh)_mm512_maskz_loadu_epi16(mask, (const void*)(x + t * xStride + c)));
    }
    for (int t = 0; t < R; t++)
        y[t * yStride] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]), _mm512_add_ps(acc[t][2], acc[t][3])));
}

// Rows of 8 columns (a rank-8 LoRA B matrix [out, 8]): the generic loop spent a masked product
// and a full horizontal sum on each 8-value row. Here one vector holds four weight rows, the
// activation row repeated four times, and sixteen rows' sums are gathered into one store. Every
// row's sum is ((p0 + p1) + (p2 + p3)) over its four pair products, alone or in a batch.
BF16_TARGET static void rows_of_8(const uint16_t* w, const uint16_t* x, float* y, int rows, int count, int start, int end)
{
    const __m512i firsts = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 28, 24, 20, 16, 12, 8, 4, 0);
    const __m512i halves = _mm512_set_epi32(23, 22, 21, 20, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1, 0);
    for (int t = 0; t < count; t++)
    {
        __m512bh xr = (__m512bh)_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)(x + (int64_t)t * 8)));
        for (int r = start; r < end; r += 16)
        {
            int left = end - r < 16 ? end - r : 16;
            __m512 u[4];
            for (int k = 0; k < 4; k++)
            {
                int inBlock = left - 4 * k;                       // weight rows of this vector that exist
                inBlock = inBlock < 0 ? 0 : inBlock > 4 ? 4 : inBlock;
                __mmask32 mask = inBlock == 4 ? 0xFFFFFFFFu : ((1u << (8 * inBlock)) - 1);
                __m512bh wk = (__m512bh)_mm512_maskz_loadu_epi16(mask, w + (int64_t)(r + 4 * k) * 8);
                __m512 p = _mm512_dpbf16_ps(_mm512_setzero_ps(), wk, xr);
                __m512 pairs = _mm512_add_ps(p, _mm512_shuffle_ps(p, p, _MM_SHUFFLE(2, 3, 0, 1)));
                u[k] = _mm512_add_ps(pairs, _mm512_shuffle_ps(pairs, pairs, _MM_SHUFFLE(1, 0, 3, 2)));
            }
            __m512 low = _mm512_permutex2var_ps(u[0], firsts, u[1]);
            __m512 high = _mm512_permutex2var_ps(u[2], firsts, u[3]);
            __m512 sums = _mm512_permutex2var_ps(low, halves, high);
            _mm512_mask_storeu_ps(y + (int64_t)t * rows + r, (__mmask16)((1u << left) - 1), sums);
        }
    }
}

// Y[t, r] = sum_c W[r, c] * X[t, c] for weight rows [start, end) and count activation rows:
// w bf16 [rows, cols], x bf16 [count, cols] (see ftm_to_bf16), y fp32 [count, rows].
BF16_TARGET void ftm_bf16_rows(const uint16_t* w, const uint16_t* x, float* y, int rows, int cols, int count,
    int start, int end)
{
    if (cols == 8)
    {
        rows_of_8(w, x, y, rows, count, start, end);
        return;
    }
    for (int r = start; r < end; r++)
    {
        const uint16_t* wr = w + (int64_t)r * cols;
        int t = 0;
        for (; t + 4 <= count; t += 4)
            dot_rows(wr, x + (int64_t)t * cols, cols, cols, y + (int64_t)t * rows + r, rows, 4);
        for (; t < count; t++)
            dot_rows(wr, x + (int64_t)t * cols, cols, cols, y + (int64_t)t * rows + r, rows, 1);
    }
}

// q8_0 (see Q8Blocks.cs): the dot products of R quantized activation rows with one weight row,
// two blocks of 32 a 512-bit vector. x·w = |x|·(w negated where x < 0), an unsigned-by-signed
// byte product that vpdpbusd sums in int32 per block half; each block's sum is then scaled by
// both blocks' scales in fp32, as llama.cpp computes its Q8_0 products.
VNNI_TARGET static inline __attribute__((always_inline)) void q8_dot_rows(const uint8_t* magnitudes,
    const int8_t* signs, const float* xScales, int64_t cols, const int8_t* w, const float* wScales, int blocks,
    float* y, int64_t yStride, const int R)
{
    const __m512i zero = _mm512_setzero_si512();
    // Lanes 0-7 take the first block's scale, lanes 8-15 the second's.
    const __m512i pair = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    __m512 acc[4][2];
    for (int t = 0; t < R; t++)
        acc[t][0] = acc[t][1] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b += 16)
    {
        int group = blocks - b < 16 ? blocks - b : 16;
        __mmask16 scaleMask = (__mmask16)((1u << group) - 1);
        __m512 ws = _mm512_maskz_loadu_ps(scaleMask, wScales + b);
        __m512 scales[4];
        for (int t = 0; t < R; t++)
            scales[t] = _mm512_mul_ps(ws, _mm512_maskz_loadu_ps(scaleMask, xScales + t * (cols / 32) + b));
        for (int j = 0; j < group; j += 2)
        {
            __mmask64 bytes = group - j >= 2 ? ~0ULL : 0xFFFFFFFFULL;
            int64_t offset = (int64_t)(b + j) * 32;
            __m512i wv = _mm512_maskz_loadu_epi8(bytes, w + offset);
            __m512i index = _mm512_add_epi32(pair, _mm512_set1_epi32(j));
            for (int t = 0; t < R; t++)
            {
                __m512i xs = _mm512_maskz_loadu_epi8(bytes, signs + t * cols + offset);
                __m512i xm = _mm512_maskz_loadu_epi8(bytes, magnitudes + t * cols + offset);
                __m512i signedW = _mm512_mask_sub_epi8(wv, _mm512_movepi8_mask(xs), zero, wv);
                __m512 sums = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, xm, signedW));
                int k = (j >> 1) & 1;
                acc[t][k] = _mm512_fmadd_ps(sums, _mm512_permutexvar_ps(index, scales[t]), acc[t][k]);
            }
        }
    }
    for (int t = 0; t < R; t++)
        y[t * yStride] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]));
}

// Y[t, r] for weight rows [start, end) and count activation rows quantized as q8_0: magnitudes
// and signed bytes [count, cols], their block scales [count, cols/32]; int8 weights [rows, cols]
// with block scales [rows, cols/32]; y fp32 [count, rows]. cols is a multiple of 32.
VNNI_TARGET void ftm_q8_rows(const uint8_t* magnitudes, const int8_t* signs, const float* xScales, const int8_t* w,
    const float* wScales, float* y, int blocks, int rows, int count, int start, int end)
{
    int64_t cols = (int64_t)blocks * 32;
    for (int r = start; r < end; r++)
    {
        const int8_t* wr = w + (int64_t)r * cols;
        const float* sr = wScales + (int64_t)r * blocks;
        int t = 0;
        for (; t + 4 <= count; t += 4)
            q8_dot_rows(magnitudes + t * cols, signs + t * cols, xScales + (int64_t)t * blocks, cols, wr, sr, blocks,
                y + (int64_t)t * rows + r, rows, 4);
        for (; t < count; t++)
            q8_dot_rows(magnitudes + t * cols, signs + t * cols, xScales + (int64_t)t * blocks, cols, wr, sr, blocks,
                y + (int64_t)t * rows + r, rows, 1);
    }
}
