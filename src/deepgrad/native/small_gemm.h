/* The recurrent loops' matrix products (recurrent_sequences.h): C = A @ B or C += A @ B, where A
 * is read through two strides (so that A may be a transposed matrix: hᵀ @ d for a weight's
 * gradient) and B is either packed or a plain row-major matrix. Packing rearranges B once into
 * panels of NR columns, each k × NR contiguous and zero-padded past the last column, for a B
 * that every step multiplies (the recurrent kernel: packed once per call, it stays in the
 * core's L2 across the steps). A tile of MR rows × NR columns accumulates in registers, one
 * multiply-add per element of A and row of the panel, the sum running over k in order. On
 * x86-64 CPUs with AVX2 and FMA the tile is written with their intrinsics (chosen at run time);
 * elsewhere, and for a last partial panel of a plain B, it is plain C. The products agree with
 * NumPy's to rounding (as the steps' gate functions do).
 */
#ifndef DEEPGRAD_SMALL_GEMM_H
#define DEEPGRAD_SMALL_GEMM_H

#include <stddef.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_FMA_TILES 1
#else
#define HAVE_FMA_TILES 0
#endif

#define GEMM_MR 6
#define NR_float 16 /* two vectors of 8 */
#define NR_double 8 /* two vectors of 4 */

/* Whether the CPU runs the AVX2 + FMA tiles (asked once). */
static int
gemm_fma(void)
{
#if HAVE_FMA_TILES
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
#else
    return 0;
#endif
}

/* One product's operands: A[r, kk] = a[r * a_rs + kk * a_ks]; B's row kk starts at b + kk * b_ks
 * (NR apart in a packed panel); C's rows are ldc apart; `accumulate`: C += A @ B. */
typedef struct {
    Py_ssize_t a_rs, a_ks, b_ks, ldc;
    int accumulate;
} Strides;

/* Portable tile: C[mr × nc] (+)= A[mr × k] @ B[k × nc], mr <= MR, nc <= NR. */
#define PORTABLE_TILE(T)                                                                      \
    static void tile_portable_##T(int mr, Py_ssize_t k, const T *a, const T *b, T *c, int nc, \
                                  const Strides *s)                                           \
    {                                                                                         \
        T acc[GEMM_MR][NR_##T];                                                               \
        memset(acc, 0, sizeof acc);                                                           \
        for (Py_ssize_t kk = 0; kk < k; kk++) {                                               \
            const T *row = b + kk * s->b_ks;                                                  \
            for (int r = 0; r < mr; r++) {                                                    \
                T v = a[r * s->a_rs + kk * s->a_ks];                                          \
                for (int j = 0; j < nc; j++) {                                                \
                    acc[r][j] += v * row[j];                                                  \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        for (int r = 0; r < mr; r++) {                                                        \
            for (int j = 0; j < nc; j++) {                                                    \
                c[r * s->ldc + j] = s->accumulate ? c[r * s->ldc + j] + acc[r][j] : acc[r][j]; \
            }                                                                                 \
        }                                                                                     \
    }

PORTABLE_TILE(float)
PORTABLE_TILE(double)

#if HAVE_FMA_TILES
/* AVX2 + FMA tile with MR constant (inlined into a switch over 1..MR): the 2·MR accumulators
 * are named variables, so that they live in registers. V: vector type, W: lanes. Reads a whole
 * panel row (2W values) of B; writes only nc columns of C. */
#define FMA_ROW(r, V, BCAST, FMADD)                                                           \
    if (r < mr) {                                                                             \
        V v = BCAST(a + r * a_rs + kk * a_ks);                                                \
        c##r##0 = FMADD(v, b0, c##r##0);                                                      \
        c##r##1 = FMADD(v, b1, c##r##1);                                                      \
    }
#define FMA_STORE(r, T, W, LOAD, ADD, STORE)                                                  \
    if (r < mr) {                                                                             \
        T *out = c + r * s->ldc;                                                              \
        if (nc == 2 * W) {                                                                    \
            STORE(out, s->accumulate ? ADD(LOAD(out), c##r##0) : c##r##0);                    \
            STORE(out + W, s->accumulate ? ADD(LOAD(out + W), c##r##1) : c##r##1);            \
        }                                                                                     \
        else {                                                                                \
            T row[2 * W];                                                                     \
            STORE(row, c##r##0);                                                              \
            STORE(row + W, c##r##1);                                                          \
            for (int j = 0; j < nc; j++) {                                                    \
                out[j] = s->accumulate ? out[j] + row[j] : row[j];                            \
            }                                                                                 \
        }                                                                                     \
    }
#define FMA_TILE(T, V, W, SET0, BCAST, LOAD, FMADD, ADD, STORE)                               \
    __attribute__((target("avx2,fma"), always_inline)) static inline void tile_fma_##T##_rows( \
        const int mr, Py_ssize_t k, const T *a, const T *b, T *c, int nc, const Strides *s)   \
    {                                                                                         \
        const Py_ssize_t a_rs = s->a_rs, a_ks = s->a_ks, b_ks = s->b_ks;                      \
        V c00 = SET0(), c01 = SET0(), c10 = SET0(), c11 = SET0(), c20 = SET0(), c21 = SET0(); \
        V c30 = SET0(), c31 = SET0(), c40 = SET0(), c41 = SET0(), c50 = SET0(), c51 = SET0(); \
        for (Py_ssize_t kk = 0; kk < k; kk++) {                                               \
            V b0 = LOAD(b + kk * b_ks), b1 = LOAD(b + kk * b_ks + W);                         \
            FMA_ROW(0, V, BCAST, FMADD)                                                       \
            FMA_ROW(1, V, BCAST, FMADD)                                                       \
            FMA_ROW(2, V, BCAST, FMADD)                                                       \
            FMA_ROW(3, V, BCAST, FMADD)                                                       \
            FMA_ROW(4, V, BCAST, FMADD)                                                       \
            FMA_ROW(5, V, BCAST, FMADD)                                                       \
        }                                                                                     \
        FMA_STORE(0, T, W, LOAD, ADD, STORE)                                                  \
        FMA_STORE(1, T, W, LOAD, ADD, STORE)                                                  \
        FMA_STORE(2, T, W, LOAD, ADD, STORE)                                                  \
        FMA_STORE(3, T, W, LOAD, ADD, STORE)                                                  \
        FMA_STORE(4, T, W, LOAD, ADD, STORE)                                                  \
        FMA_STORE(5, T, W, LOAD, ADD, STORE)                                                  \
    }                                                                                         \
                                                                                              \
    __attribute__((target("avx2,fma"))) static void tile_fma_##T(                             \
        int mr, Py_ssize_t k, const T *a, const T *b, T *c, int nc, const Strides *s)         \
    {                                                                                         \
        switch (mr) {                                                                         \
        case 6: tile_fma_##T##_rows(6, k, a, b, c, nc, s); break;                             \
        case 5: tile_fma_##T##_rows(5, k, a, b, c, nc, s); break;                             \
        case 4: tile_fma_##T##_rows(4, k, a, b, c, nc, s); break;                             \
        case 3: tile_fma_##T##_rows(3, k, a, b, c, nc, s); break;                             \
        case 2: tile_fma_##T##_rows(2, k, a, b, c, nc, s); break;                             \
        default: tile_fma_##T##_rows(1, k, a, b, c, nc, s); break;                            \
        }                                                                                     \
    }

FMA_TILE(float, __m256, 8, _mm256_setzero_ps, _mm256_broadcast_ss, _mm256_loadu_ps,
         _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps)
FMA_TILE(double, __m256d, 4, _mm256_setzero_pd, _mm256_broadcast_sd, _mm256_loadu_pd,
         _mm256_fmadd_pd, _mm256_add_pd, _mm256_storeu_pd)
#define TILE_FMA(T, ...) tile_fma_##T(__VA_ARGS__)
#else
#define TILE_FMA(T, ...) ((void)0)
#endif

#define SMALL_GEMM(T)                                                                         \
    /* Elements of B (k × n) packed: whole panels. */                                         \
    static size_t packed_size_##T(Py_ssize_t k, Py_ssize_t n)                                 \
    {                                                                                         \
        return (size_t)((n + NR_##T - 1) / NR_##T) * NR_##T * (size_t)k;                      \
    }                                                                                         \
                                                                                              \
    /* Pack B[kk, j] = b[kk * row_stride + j * col_stride] (k × n) into panels. */            \
    static void pack_##T(const T *b, Py_ssize_t row_stride, Py_ssize_t col_stride,            \
                         Py_ssize_t k, Py_ssize_t n, T *out)                                  \
    {                                                                                         \
        for (Py_ssize_t p = 0; p < n; p += NR_##T) {                                          \
            for (Py_ssize_t kk = 0; kk < k; kk++) {                                           \
                for (Py_ssize_t j = 0; j < NR_##T; j++) {                                     \
                    *out++ = p + j < n ? b[kk * row_stride + (p + j) * col_stride] : (T)0;    \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    /* C (m × n) (+)= A (m × k) @ B: B packed by pack_##T when `packed`, else B's rows       \
     * s->b_ks apart. */                                                                      \
    static void gemm_##T(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const T *a, const T *b,    \
                         int packed, T *c, Strides s)                                         \
    {                                                                                         \
        int fma = gemm_fma();                                                                 \
        Strides panel_strides = s;                                                            \
        if (packed) {                                                                         \
            panel_strides.b_ks = NR_##T;                                                      \
        }                                                                                     \
        for (Py_ssize_t p = 0; p < n; p += NR_##T) {                                          \
            const T *panel = packed ? b + p * k : b + p;                                      \
            int nc = (int)(n - p < NR_##T ? n - p : NR_##T);                                  \
            int vector = HAVE_FMA_TILES && fma && (packed || nc == NR_##T);                   \
            for (Py_ssize_t i = 0; i < m; i += GEMM_MR) {                                     \
                int mr = (int)(m - i < GEMM_MR ? m - i : GEMM_MR);                            \
                const T *ai = a + i * s.a_rs;                                                 \
                T *ci = c + i * s.ldc + p;                                                    \
                if (vector) {                                                                 \
                    TILE_FMA(T, mr, k, ai, panel, ci, nc, &panel_strides);                    \
                }                                                                             \
                else {                                                                        \
                    tile_portable_##T(mr, k, ai, panel, ci, nc, &panel_strides);              \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }

SMALL_GEMM(float)
SMALL_GEMM(double)

#endif
