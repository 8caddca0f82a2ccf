/* One step of an LSTM or a GRU, forward and backward, each in one pass over the step's gates
 * (see ops/lstm.py and ops/gru.py, whose NumPy steps these kernels compute). The step's GEMM
 * with the recurrent kernel runs before the kernel (forward) or after it (backward), in NumPy.
 *
 * lstm_step(z, xw, t, states, k, tc, keep, relu)
 *     z holds h_k @ R on entry; a = z + xw[:, t]; i, f, o = sigmoid(a), g = act(a) into z;
 *     c = f·c_k + i·g, tc = act(c), h = o·tc into states[:, k + 1]; rows whose keep[:, t] is
 *     false carry states[:, k] over instead.
 * lstm_step_backward(z, tc, states, k, grad, dh, direct, dc, rmask, keep, t, d_pre, relu)
 *     the state's gradient d_h = grad[:, k, :u] + dh·rmask + direct, d_c = grad[:, k, u:] + dc;
 *     the gate gradients into d_pre[:, t]; dc = d_c·f and direct = 0 for the next step down
 *     (masked rows: zero gate gradients, dc = d_c and direct = d_h, passed on unchanged).
 * gru_step(z, inner, bias, xw, t, states, k, keep, relu)
 *     inner holds h_k @ R on entry and gets the bias added (inner = h_k @ R + b);
 *     z, r = sigmoid(xw_zr + inner_zr), h̃ = act(xw_h + r·inner_h) into z;
 *     h = z·h_k + (1 − z)·h̃ into states[:, k + 1] (masked rows carry h_k over).
 * gru_step_backward(z, inner, states, k, grad, dh, direct, rmask, keep, t, d_pre, d_rec, relu)
 *     d = grad[:, k] + dh·rmask + direct; the input-side gate gradients into d_pre[:, t], the
 *     recurrent side's into d_rec[:, t], direct = d·z (masked rows: zeros and direct = d).
 *
 * Shapes: z (n, G·u) for G = 4 (LSTM) or 3 (GRU), xw and d_pre (n, S, G·u), d_rec (n, S, 3u),
 * states (n, S + 1, P·u) (P = 2 for the LSTM's h and c, else 1), grad (n, S, P·u), tc, dh,
 * direct, dc and rmask (n, u), keep (n, S) booleans, bias (3u); all C-contiguous, one float
 * dtype; rmask and keep may be None. act is tanh, or ReLU when relu is true.
 *
 * The sigmoid and tanh are computed from one exponential of a non-positive number, written here
 * so that the loops vectorize: e^x = 2^n · p(x − n·ln 2) with a Taylor polynomial p (degree 7 in
 * float32, 13 in float64) on |x − n·ln 2| ≤ ln 2 / 2, within a few units in the last place of
 * NumPy's exp. sigmoid(x) = 1/(1 + e) or e/(1 + e) with e = e^−|x| (as ops.stable.sigmoid);
 * tanh(x) = ±(1 − e)/(1 + e) with e = e^−2|x|. NaN propagates. No -ffast-math.
 */
#include "kernels_common.h"
#include <math.h>
#include <stdint.h>

#define RELU(T, v) (((v) > 0 || (v) != (v)) ? (v) : (T)0)

/* e^x for x ≤ 0 (0 below the floor, where e^x is subnormal or 0; NaN stays NaN). */
static inline float
expneg_float(float x)
{
    const float floor_ = -87.0f, log2e = 1.44269504088896341f, magic = 12582912.0f; /* 1.5·2^23 */
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    float xc = x < floor_ ? floor_ : x;
    float shifted = xc * log2e + magic;
    float nf = shifted - magic; /* round(x / ln 2) */
    float r = (xc - nf * ln2_hi) - nf * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 127u) << 23; /* the low bits of `shifted` hold n */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = p * scale;
    return x < floor_ ? 0.0f : (x != x ? x : y);
}

static inline double
expneg_double(double x)
{
    const double floor_ = -708.0, log2e = 1.4426950408889634074, magic = 6755399441055744.0;
    const double ln2_hi = 0.6931471803691238164901733, ln2_lo = 1.9082149292705877e-10;
    double xc = x < floor_ ? floor_ : x;
    double shifted = xc * log2e + magic; /* magic = 1.5·2^52 */
    double nf = shifted - magic;
    double r = (xc - nf * ln2_hi) - nf * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 1023u) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    double y = p * scale;
    return x < floor_ ? 0.0 : (x != x ? x : y);
}

#define STEP_LOOPS(T, ABS)                                                                    \
    static inline T sigmoid_##T(T x)                                                          \
    {                                                                                         \
        T e = expneg_##T(-ABS(x));                                                            \
        T r = (T)1 / ((T)1 + e);                                                              \
        return x < 0 ? e * r : r;                                                             \
    }                                                                                         \
                                                                                              \
    static inline T tanh_##T(T x)                                                             \
    {                                                                                         \
        T e = expneg_##T((T)-2 * ABS(x));                                                     \
        T y = ((T)1 - e) / ((T)1 + e);                                                        \
        return x < 0 ? -y : (x != x ? x : y);                                                 \
    }                                                                                         \
                                                                                              \
    static inline T act_##T(T x, int relu) { return relu ? RELU(T, x) : tanh_##T(x); }        \
                                                                                              \
    /* act'(x) from y = act(x) */                                                             \
    static inline T act_slope_##T(T y, int relu)                                              \
    {                                                                                         \
        return relu ? (y > 0 ? (T)1 : (T)0) : (T)1 - y * y;                                   \
    }                                                                                         \
                                                                                              \
    /* The rows' loops, inlined with `relu` and `scaled` (an rmask given) as constants so    \
     * that each instantiation is one straight vectorizable loop. */                         \
    static inline __attribute__((always_inline)) void lstm_row_##T(                           \
        Py_ssize_t u, T *restrict z, const T *restrict x, const T *restrict prev,             \
        T *restrict state, T *restrict tc, const int relu)                                    \
    {                                                                                         \
        for (Py_ssize_t j = 0; j < u; j++) {                                                  \
            T ig = sigmoid_##T(z[j] + x[j]);                                                  \
            T fg = sigmoid_##T(z[u + j] + x[u + j]);                                          \
            T gg = act_##T(z[2 * u + j] + x[2 * u + j], relu);                                \
            T og = sigmoid_##T(z[3 * u + j] + x[3 * u + j]);                                  \
            z[j] = ig;                                                                        \
            z[u + j] = fg;                                                                    \
            z[2 * u + j] = gg;                                                                \
            z[3 * u + j] = og;                                                                \
            T c = fg * prev[u + j] + ig * gg;                                                 \
            T a = act_##T(c, relu);                                                           \
            state[u + j] = c;                                                                 \
            tc[j] = a;                                                                        \
            state[j] = og * a;                                                                \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES lstm_step_##T(Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, T *z,          \
                                     const T *xw, Py_ssize_t t, T *states, Py_ssize_t k,      \
                                     T *tc, const char *keep, int relu)                       \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *prev = states + (i * (S + 1) + k) * 2 * u;                               \
            T *state = states + (i * (S + 1) + k + 1) * 2 * u;                                \
            if (keep != NULL && !keep[i * S + t]) {                                           \
                memcpy(state, prev, sizeof(T) * 2 * (size_t)u);                               \
            }                                                                                 \
            else if (relu) {                                                                  \
                lstm_row_##T(u, z + i * 4 * u, xw + (i * S + t) * 4 * u, prev, state,         \
                             tc + i * u, 1);                                                  \
            }                                                                                 \
            else {                                                                            \
                lstm_row_##T(u, z + i * 4 * u, xw + (i * S + t) * 4 * u, prev, state,         \
                             tc + i * u, 0);                                                  \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static inline __attribute__((always_inline)) void lstm_row_backward_##T(                  \
        Py_ssize_t u, const T *restrict z, const T *restrict tc, const T *restrict prev,      \
        const T *restrict g, const T *restrict dh, const T *restrict rmask,                   \
        T *restrict direct, T *restrict dc, T *restrict dz, const int relu, const int scaled) \
    {                                                                                         \
        for (Py_ssize_t j = 0; j < u; j++) {                                                  \
            T carried = scaled ? dh[j] * rmask[j] : dh[j];                                    \
            T dhv = g[j] + (carried + direct[j]);                                             \
            T dcv = g[u + j] + dc[j];                                                         \
            T ig = z[j], fg = z[u + j], gg = z[2 * u + j], og = z[3 * u + j];                 \
            T a = tc[j];                                                                      \
            dz[3 * u + j] = ((dhv * a) * og) * ((T)1 - og);                                   \
            dcv = dcv + (dhv * og) * act_slope_##T(a, relu);                                  \
            dz[j] = ((dcv * gg) * ig) * ((T)1 - ig);                                          \
            dz[u + j] = ((dcv * prev[u + j]) * fg) * ((T)1 - fg);                             \
            dz[2 * u + j] = (dcv * ig) * act_slope_##T(gg, relu);                             \
            dc[j] = dcv * fg;                                                                 \
            direct[j] = 0;                                                                    \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES lstm_step_backward_##T(                                                \
        Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, const T *z, const T *tc, const T *states,   \
        Py_ssize_t k, const T *grad, const T *dh, T *direct, T *dc, const T *rmask,           \
        const char *keep, Py_ssize_t t, T *d_pre, int relu)                                   \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *zi = z + i * 4 * u, *ti = tc + i * u, *hi = dh + i * u;                  \
            const T *pi = states + (i * (S + 1) + k) * 2 * u;                                 \
            const T *gi = grad + (i * S + k) * 2 * u;                                         \
            const T *mi = rmask != NULL ? rmask + i * u : NULL;                               \
            T *di = direct + i * u, *ci = dc + i * u, *dz = d_pre + (i * S + t) * 4 * u;      \
            if (keep != NULL && !keep[i * S + t]) { /* passed on unchanged */                 \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T carried = mi != NULL ? hi[j] * mi[j] : hi[j];                           \
                    di[j] = gi[j] + (carried + di[j]);                                        \
                    ci[j] = gi[u + j] + ci[j];                                                \
                }                                                                             \
                memset(dz, 0, sizeof(T) * 4 * (size_t)u);                                     \
            }                                                                                 \
            else if (mi != NULL) {                                                            \
                if (relu) {                                                                   \
                    lstm_row_backward_##T(u, zi, ti, pi, gi, hi, mi, di, ci, dz, 1, 1);       \
                }                                                                             \
                else {                                                                        \
                    lstm_row_backward_##T(u, zi, ti, pi, gi, hi, mi, di, ci, dz, 0, 1);       \
                }                                                                             \
            }                                                                                 \
            else if (relu) {                                                                  \
                lstm_row_backward_##T(u, zi, ti, pi, gi, hi, mi, di, ci, dz, 1, 0);           \
            }                                                                                 \
            else {                                                                            \
                lstm_row_backward_##T(u, zi, ti, pi, gi, hi, mi, di, ci, dz, 0, 0);           \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static inline __attribute__((always_inline)) void gru_row_##T(                            \
        Py_ssize_t u, T *restrict z, const T *restrict inner, const T *restrict x,            \
        const T *restrict prev, T *restrict state, const int relu)                            \
    {                                                                                         \
        for (Py_ssize_t j = 0; j < u; j++) {                                                  \
            T zg = sigmoid_##T(x[j] + inner[j]);                                              \
            T rg = sigmoid_##T(x[u + j] + inner[u + j]);                                      \
            T hh = act_##T(x[2 * u + j] + rg * inner[2 * u + j], relu);                       \
            z[j] = zg;                                                                        \
            z[u + j] = rg;                                                                    \
            z[2 * u + j] = hh;                                                                \
            state[j] = zg * prev[j] + ((T)1 - zg) * hh;                                       \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES gru_step_##T(Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, T *z, T *inner,  \
                                    const T *bias, const T *xw, Py_ssize_t t, T *states,      \
                                    Py_ssize_t k, const char *keep, int relu)                 \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T *ri = inner + i * 3 * u;                                                        \
            const T *prev = states + (i * (S + 1) + k) * u;                                   \
            T *state = states + (i * (S + 1) + k + 1) * u;                                    \
            for (Py_ssize_t j = 0; j < 3 * u; j++) {                                          \
                ri[j] = ri[j] + bias[j];                                                      \
            }                                                                                 \
            if (keep != NULL && !keep[i * S + t]) {                                           \
                memcpy(state, prev, sizeof(T) * (size_t)u);                                   \
            }                                                                                 \
            else if (relu) {                                                                  \
                gru_row_##T(u, z + i * 3 * u, ri, xw + (i * S + t) * 3 * u, prev, state, 1);  \
            }                                                                                 \
            else {                                                                            \
                gru_row_##T(u, z + i * 3 * u, ri, xw + (i * S + t) * 3 * u, prev, state, 0);  \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static inline __attribute__((always_inline)) void gru_row_backward_##T(                   \
        Py_ssize_t u, const T *restrict z, const T *restrict inner, const T *restrict prev,   \
        const T *restrict g, const T *restrict dh, const T *restrict rmask,                   \
        T *restrict direct, T *restrict dx, T *restrict dr, const int relu, const int scaled) \
    {                                                                                         \
        for (Py_ssize_t j = 0; j < u; j++) {                                                  \
            T carried = scaled ? dh[j] * rmask[j] : dh[j];                                    \
            T d = g[j] + (carried + direct[j]);                                               \
            T zg = z[j], rg = z[u + j], hh = z[2 * u + j];                                    \
            T dzg = ((d * (prev[j] - hh)) * zg) * ((T)1 - zg);                                \
            T da = (d * ((T)1 - zg)) * act_slope_##T(hh, relu);                               \
            T drg = ((da * inner[2 * u + j]) * rg) * ((T)1 - rg);                             \
            dx[j] = dzg;                                                                      \
            dr[j] = dzg;                                                                      \
            dx[u + j] = drg;                                                                  \
            dr[u + j] = drg;                                                                  \
            dx[2 * u + j] = da;                                                               \
            dr[2 * u + j] = da * rg;                                                          \
            direct[j] = d * zg;                                                               \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES gru_step_backward_##T(                                                 \
        Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, const T *z, const T *inner, const T *states,\
        Py_ssize_t k, const T *grad, const T *dh, T *direct, const T *rmask, const char *keep,\
        Py_ssize_t t, T *d_pre, T *d_rec, int relu)                                           \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *zi = z + i * 3 * u, *ri = inner + i * 3 * u, *hi = dh + i * u;           \
            const T *pi = states + (i * (S + 1) + k) * u, *gi = grad + (i * S + k) * u;       \
            const T *mi = rmask != NULL ? rmask + i * u : NULL;                               \
            T *di = direct + i * u;                                                           \
            T *dx = d_pre + (i * S + t) * 3 * u, *dr = d_rec + (i * S + t) * 3 * u;           \
            if (keep != NULL && !keep[i * S + t]) { /* passed on unchanged */                 \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T carried = mi != NULL ? hi[j] * mi[j] : hi[j];                           \
                    di[j] = gi[j] + (carried + di[j]);                                        \
                }                                                                             \
                memset(dx, 0, sizeof(T) * 3 * (size_t)u);                                     \
                memset(dr, 0, sizeof(T) * 3 * (size_t)u);                                     \
            }                                                                                 \
            else if (mi != NULL) {                                                            \
                if (relu) {                                                                   \
                    gru_row_backward_##T(u, zi, ri, pi, gi, hi, mi, di, dx, dr, 1, 1);        \
                }                                                                             \
                else {                                                                        \
                    gru_row_backward_##T(u, zi, ri, pi, gi, hi, mi, di, dx, dr, 0, 1);        \
                }                                                                             \
            }                                                                                 \
            else if (relu) {                                                                  \
                gru_row_backward_##T(u, zi, ri, pi, gi, hi, mi, di, dx, dr, 1, 0);            \
            }                                                                                 \
            else {                                                                            \
                gru_row_backward_##T(u, zi, ri, pi, gi, hi, mi, di, dx, dr, 0, 0);            \
            }                                                                                 \
        }                                                                                     \
    }

STEP_LOOPS(float, fabsf)
STEP_LOOPS(double, fabs)

/* One array argument: C-contiguous, `ndim` dimensions of sizes `dims` (−1: any), of the
 * kernel's float dtype (or booleans, `boolean`); None allowed where `optional`. */
typedef struct {
    int ndim;
    Py_ssize_t dims[3];
    char write, optional, boolean;
} Spec;

/* Borrow the arrays `args[index[i]]` for the specs; `*kind` is the first one's dtype. */
static int
borrow(const char *name, PyObject *const *args, const int *index, const Spec *spec, int k,
       Py_buffer *b, char *kind)
{
    memset(b, 0, sizeof(Py_buffer) * (size_t)k);
    for (int i = 0; i < k; i++) {
        PyObject *arg = args[index[i]];
        if (spec[i].optional && arg == Py_None) {
            continue;
        }
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (spec[i].write ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(arg, &b[i], flags) < 0) {
            release_buffers(b, k);
            return -1;
        }
        const char *f = b[i].format;
        char c = f[0] != '\0' && f[1] == '\0' ? f[0] : 0;
        if (i == 0) {
            *kind = c;
        }
        int ok = spec[i].boolean ? (c == '?' || c == 'B') && b[i].itemsize == 1
                                 : (c == 'f' || c == 'd') && c == *kind;
        ok = ok && b[i].ndim == spec[i].ndim;
        for (int j = 0; ok && j < spec[i].ndim; j++) {
            ok = spec[i].dims[j] < 0 || b[i].shape[j] == spec[i].dims[j];
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError,
                         "%s(): argument %d must be a contiguous %s array of the shape the "
                         "step needs", name, index[i],
                         spec[i].boolean ? "boolean" : "float32 or float64 (the first one's dtype)");
            release_buffers(b, k);
            return -1;
        }
    }
    return 0;
}

/* The rows n and width of a matrix, the steps S of a (n, S, ·) array, and a step index. */
static int
matrix_shape(const char *name, PyObject *m, Py_ssize_t groups, Py_ssize_t *n, Py_ssize_t *u)
{
    Py_buffer b;
    if (PyObject_GetBuffer(m, &b, PyBUF_ND) < 0) {
        return -1;
    }
    int ok = b.ndim == 2 && b.shape[1] % groups == 0 && b.shape[1] > 0;
    if (ok) {
        *n = b.shape[0];
        *u = b.shape[1] / groups;
    }
    PyBuffer_Release(&b);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s(): the gates must be a matrix (n, %zd*units)", name,
                     groups);
        return -1;
    }
    return 0;
}

static int
steps_of(PyObject *a, Py_ssize_t *S)
{
    Py_buffer b;
    if (PyObject_GetBuffer(a, &b, PyBUF_ND) < 0) {
        return -1;
    }
    *S = b.ndim == 3 ? b.shape[1] : -1;
    PyBuffer_Release(&b);
    return 0;
}

static int
step_index(const char *name, PyObject *arg, Py_ssize_t S, Py_ssize_t *out)
{
    *out = PyLong_AsSsize_t(arg);
    if (*out == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*out < 0 || *out >= S) {
        PyErr_Format(PyExc_IndexError, "%s(): step %zd lies outside the %zd steps", name, *out, S);
        return -1;
    }
    return 0;
}

/* Parse a kernel call: nargs checked, n and u from args[0] (groups gates), S from
 * args[steps_arg], the step indices at args[k_arg] and args[t_arg], the relu flag last. */
static int
parse_step(const char *name, PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected,
           Py_ssize_t groups, int steps_arg, int k_arg, int t_arg, Py_ssize_t *n, Py_ssize_t *u,
           Py_ssize_t *S, Py_ssize_t *k, Py_ssize_t *t, int *relu)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, expected, nargs);
        return -1;
    }
    if (matrix_shape(name, args[0], groups, n, u) < 0 || steps_of(args[steps_arg], S) < 0) {
        return -1;
    }
    if (step_index(name, args[k_arg], *S, k) < 0 || step_index(name, args[t_arg], *S, t) < 0) {
        return -1;
    }
    *relu = PyObject_IsTrue(args[nargs - 1]);
    return *relu < 0 ? -1 : 0;
}

#define F(ndim, d0, d1, d2, w) {ndim, {d0, d1, d2}, w, 0, 0}
#define OPT(ndim, d0, d1, d2) {ndim, {d0, d1, d2}, 0, 1, 0}
#define KEEP(n, S) {2, {n, S, 0}, 0, 1, 1}
#define BUF(i) ((void *)b[i].buf)

static PyObject *
lstm_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("lstm_step", args, nargs, 8, 4, 1, 4, 2, &n, &u, &S, &k, &t, &relu) < 0) {
        return NULL;
    }
    int index[5] = {0, 1, 3, 5, 6};
    Spec spec[5] = {F(2, n, 4 * u, 0, 1), F(3, n, S, 4 * u, 0), F(3, n, S + 1, 2 * u, 1),
                    F(2, n, u, 0, 1), KEEP(n, S)};
    Py_buffer b[5];
    char kind = 0;
    if (borrow("lstm_step", args, index, spec, 5, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        lstm_step_float(n, u, S, BUF(0), BUF(1), t, BUF(2), k, BUF(3), BUF(4), relu);
    }
    else {
        lstm_step_double(n, u, S, BUF(0), BUF(1), t, BUF(2), k, BUF(3), BUF(4), relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 5);
    Py_RETURN_NONE;
}

static PyObject *
lstm_step_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("lstm_step_backward", args, nargs, 13, 4, 4, 3, 10, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[10] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 11};
    Spec spec[10] = {F(2, n, 4 * u, 0, 0), F(2, n, u, 0, 0), F(3, n, S + 1, 2 * u, 0),
                     F(3, n, S, 2 * u, 0), F(2, n, u, 0, 0), F(2, n, u, 0, 1), F(2, n, u, 0, 1),
                     OPT(2, n, u, 0), KEEP(n, S), F(3, n, S, 4 * u, 1)};
    Py_buffer b[10];
    char kind = 0;
    if (borrow("lstm_step_backward", args, index, spec, 10, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        lstm_step_backward_float(n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
                                 BUF(6), BUF(7), BUF(8), t, BUF(9), relu);
    }
    else {
        lstm_step_backward_double(n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
                                  BUF(6), BUF(7), BUF(8), t, BUF(9), relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 10);
    Py_RETURN_NONE;
}

static PyObject *
gru_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("gru_step", args, nargs, 9, 3, 3, 6, 4, &n, &u, &S, &k, &t, &relu) < 0) {
        return NULL;
    }
    int index[6] = {0, 1, 2, 3, 5, 7};
    Spec spec[6] = {F(2, n, 3 * u, 0, 1), F(2, n, 3 * u, 0, 1), F(1, 3 * u, 0, 0, 0),
                    F(3, n, S, 3 * u, 0), F(3, n, S + 1, u, 1), KEEP(n, S)};
    Py_buffer b[6];
    char kind = 0;
    if (borrow("gru_step", args, index, spec, 6, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        gru_step_float(n, u, S, BUF(0), BUF(1), BUF(2), BUF(3), t, BUF(4), k, BUF(5), relu);
    }
    else {
        gru_step_double(n, u, S, BUF(0), BUF(1), BUF(2), BUF(3), t, BUF(4), k, BUF(5), relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 6);
    Py_RETURN_NONE;
}

static PyObject *
gru_step_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("gru_step_backward", args, nargs, 13, 3, 4, 3, 9, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[10] = {0, 1, 2, 4, 5, 6, 7, 8, 10, 11};
    Spec spec[10] = {F(2, n, 3 * u, 0, 0), F(2, n, 3 * u, 0, 0), F(3, n, S + 1, u, 0),
                     F(3, n, S, u, 0), F(2, n, u, 0, 0), F(2, n, u, 0, 1), OPT(2, n, u, 0),
                     KEEP(n, S), F(3, n, S, 3 * u, 1), F(3, n, S, 3 * u, 1)};
    Py_buffer b[10];
    char kind = 0;
    if (borrow("gru_step_backward", args, index, spec, 10, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        gru_step_backward_float(n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
                                BUF(6), BUF(7), t, BUF(8), BUF(9), relu);
    }
    else {
        gru_step_backward_double(n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
                                 BUF(6), BUF(7), t, BUF(8), BUF(9), relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 10);
    Py_RETURN_NONE;
}

/* exp(x) for x ≤ 0, sigmoid and tanh over an array: the functions the steps use, for tests. */
static PyObject *
gate_function(PyObject *const *args, Py_ssize_t nargs, const char *name, int which)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s() takes 2 arguments (x, out)", name);
        return NULL;
    }
    Py_buffer b[2];
    int index[2] = {0, 1};
    Spec spec[2] = {F(1, -1, 0, 0, 0), F(1, -1, 0, 0, 1)};
    char kind = 0;
    if (borrow(name, args, index, spec, 2, b, &kind) < 0) {
        return NULL;
    }
    if (b[0].shape[0] != b[1].shape[0]) {
        release_buffers(b, 2);
        PyErr_Format(PyExc_ValueError, "%s(): x and out differ in length", name);
        return NULL;
    }
    Py_ssize_t m = b[0].shape[0];
    if (kind == 'f') {
        const float *x = b[0].buf;
        float *y = b[1].buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            y[i] = which == 0 ? expneg_float(x[i]) : which == 1 ? sigmoid_float(x[i]) : tanh_float(x[i]);
        }
    }
    else {
        const double *x = b[0].buf;
        double *y = b[1].buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            y[i] = which == 0 ? expneg_double(x[i]) : which == 1 ? sigmoid_double(x[i]) : tanh_double(x[i]);
        }
    }
    release_buffers(b, 2);
    Py_RETURN_NONE;
}

static PyObject *
gate_expneg(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_expneg", 0);
}

static PyObject *
gate_sigmoid(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_sigmoid", 1);
}

static PyObject *
gate_tanh(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_tanh", 2);
}

#define METHOD(name, doc) {#name, (PyCFunction)(void (*)(void))name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    METHOD(lstm_step, "lstm_step(z, xw, t, states, k, tc, keep, relu): one LSTM step after "
                      "its GEMM z = h_k @ R."),
    METHOD(lstm_step_backward, "lstm_step_backward(z, tc, states, k, grad, dh, direct, dc, "
                               "rmask, keep, t, d_pre, relu): one LSTM step of backpropagation "
                               "through time, before its GEMM dh = d_pre[:, t] @ R.T."),
    METHOD(gru_step, "gru_step(z, inner, bias, xw, t, states, k, keep, relu): one GRU step "
                     "(reset after) after its GEMM inner = h_k @ R."),
    METHOD(gru_step_backward, "gru_step_backward(z, inner, states, k, grad, dh, direct, rmask, "
                              "keep, t, d_pre, d_rec, relu): one GRU step of backpropagation "
                              "through time, before its GEMM dh = d_rec[:, t] @ R.T."),
    METHOD(gate_expneg, "gate_expneg(x, out): the steps' e^x for x <= 0, over a vector."),
    METHOD(gate_sigmoid, "gate_sigmoid(x, out): the steps' sigmoid over a vector."),
    METHOD(gate_tanh, "gate_tanh(x, out): the steps' tanh over a vector."),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_recurrent",
    "One LSTM or GRU step, forward and backward, in one pass over its gates.", -1, methods,
};

PyMODINIT_FUNC
PyInit__recurrent(void)
{
    return PyModule_Create(&module);
}
