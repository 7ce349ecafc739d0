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

// The ABI version the managed side checks, bumped whenever a signature changes.
int ftm_version(void) { return 1; }

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

// Y[t, r] = sum_c W[r, c] * X[t, c] for weight rows [start, end) and count activation rows:
// w bf16 [rows, cols], x bf16 [count, cols] (see ftm_to_bf16), y fp32 [count, rows].
BF16_TARGET void ftm_bf16_rows(const uint16_t* w, const uint16_t* x, float* y, int rows, int cols, int count,
    int start, int end)
{
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
