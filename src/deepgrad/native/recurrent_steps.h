/* The SimpleRNN, LSTM and GRU steps' gate passes, forward and backward, for float and double
 * (see recurrent.c for what each computes and ops/recurrent.py, ops/lstm.py, ops/gru.py for the
 * NumPy steps they replace). A forward step reads the step's projected inputs xs (n, G·u), a
 * backward step writes the gradient of them, d_step (n, G·u) (the GRU: and of its recurrent
 * product, d_rec (n, 3u)); the rest is laid out as recurrent.c says. Each row of the batch is one loop over the units,
 * inlined with `relu` and `scaled` as constants so that every instantiation is one straight,
 * vectorizable loop.
 */
#ifndef DEEPGRAD_RECURRENT_STEPS_H
#define DEEPGRAD_RECURRENT_STEPS_H

#include "gate_math.h"

/* Call a row's loop with `relu` and `scaled` as the constants 0 or 1, so that each of the four
 * inlined copies is one straight loop. */
#define ROW_VARIANTS(row, relu, scaled, ...)                                                  \
    do {                                                                                      \
        if (scaled) {                                                                         \
            if (relu) {                                                                       \
                row(__VA_ARGS__, 1, 1);                                                       \
            }                                                                                 \
            else {                                                                            \
                row(__VA_ARGS__, 0, 1);                                                       \
            }                                                                                 \
        }                                                                                     \
        else if (relu) {                                                                      \
            row(__VA_ARGS__, 1, 0);                                                           \
        }                                                                                     \
        else {                                                                                \
            row(__VA_ARGS__, 0, 0);                                                           \
        }                                                                                     \
    } while (0)

#define STEP_LOOPS(T)                                                                         \
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
                                     const T *xs, Py_ssize_t t, T *states, Py_ssize_t k,      \
                                     T *tc, const char *keep, int relu)                       \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *prev = states + (i * (S + 1) + k) * 2 * u;                               \
            T *state = states + (i * (S + 1) + k + 1) * 2 * u;                                \
            if (keep != NULL && !keep[i * S + t]) {                                           \
                memcpy(state, prev, sizeof(T) * 2 * (size_t)u);                               \
            }                                                                                 \
            else if (relu) {                                                                  \
                lstm_row_##T(u, z + i * 4 * u, xs + i * 4 * u, prev, state, tc + i * u, 1);   \
            }                                                                                 \
            else {                                                                            \
                lstm_row_##T(u, z + i * 4 * u, xs + i * 4 * u, prev, state, tc + i * u, 0);   \
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
        const char *keep, Py_ssize_t t, T *d_step, int relu)                                  \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *zi = z + i * 4 * u, *ti = tc + i * u, *hi = dh + i * u;                  \
            const T *pi = states + (i * (S + 1) + k) * 2 * u;                                 \
            const T *gi = grad + (i * S + k) * 2 * u;                                         \
            const T *mi = rmask != NULL ? rmask + i * u : NULL;                               \
            T *di = direct + i * u, *ci = dc + i * u, *dz = d_step + i * 4 * u;               \
            if (keep != NULL && !keep[i * S + t]) { /* passed on unchanged */                 \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T carried = mi != NULL ? hi[j] * mi[j] : hi[j];                           \
                    di[j] = gi[j] + (carried + di[j]);                                        \
                    ci[j] = gi[u + j] + ci[j];                                                \
                }                                                                             \
                memset(dz, 0, sizeof(T) * 4 * (size_t)u);                                     \
            }                                                                                 \
            else {                                                                            \
                ROW_VARIANTS(lstm_row_backward_##T, relu, mi != NULL, u, zi, ti, pi, gi, hi,  \
                    mi, di, ci, dz);                                                          \
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
    static void CLONES simple_rnn_step_##T(Py_ssize_t n, Py_ssize_t u, Py_ssize_t S,          \
                                           const T *xs, Py_ssize_t t, T *states, Py_ssize_t k, \
                                           const char *keep, int relu)                        \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *restrict x = xs + i * u;                                                 \
            const T *restrict prev = states + (i * (S + 1) + k) * u;                          \
            T *restrict h = states + (i * (S + 1) + k + 1) * u;                               \
            if (keep != NULL && !keep[i * S + t]) {                                           \
                memcpy(h, prev, sizeof(T) * (size_t)u);                                       \
            }                                                                                 \
            else if (relu) {                                                                  \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    h[j] = act_##T(h[j] + x[j], 1);                                           \
                }                                                                             \
            }                                                                                 \
            else {                                                                            \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    h[j] = act_##T(h[j] + x[j], 0);                                           \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static inline __attribute__((always_inline)) void simple_rnn_row_backward_##T(            \
        Py_ssize_t u, const T *restrict h, const T *restrict g, const T *restrict dh,         \
        const T *restrict rmask, T *restrict direct, T *restrict dz, const int relu,          \
        const int scaled)                                                                     \
    {                                                                                         \
        for (Py_ssize_t j = 0; j < u; j++) {                                                  \
            T carried = scaled ? dh[j] * rmask[j] : dh[j];                                    \
            T d = g[j] + (carried + direct[j]);                                               \
            dz[j] = d * act_slope_##T(h[j], relu);                                            \
            direct[j] = 0;                                                                    \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES simple_rnn_step_backward_##T(                                          \
        Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, T *d_step, Py_ssize_t t, const T *states,   \
        Py_ssize_t k, const T *grad, const T *dh, T *direct, const T *rmask,                  \
        const char *keep, int relu)                                                           \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *hi = states + (i * (S + 1) + k + 1) * u, *gi = grad + (i * S + k) * u;   \
            const T *di_ = dh + i * u, *mi = rmask != NULL ? rmask + i * u : NULL;            \
            T *di = direct + i * u, *dz = d_step + i * u;                                     \
            if (keep != NULL && !keep[i * S + t]) { /* passed on unchanged */                 \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T carried = mi != NULL ? di_[j] * mi[j] : di_[j];                         \
                    di[j] = gi[j] + (carried + di[j]);                                        \
                }                                                                             \
                memset(dz, 0, sizeof(T) * (size_t)u);                                         \
            }                                                                                 \
            else {                                                                            \
                ROW_VARIANTS(simple_rnn_row_backward_##T, relu, mi != NULL, u, hi, gi, di_,   \
                    mi, di, dz);                                                              \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES gru_step_##T(Py_ssize_t n, Py_ssize_t u, Py_ssize_t S, T *z, T *inner,  \
                                    const T *bias, const T *xs, Py_ssize_t t, T *states,      \
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
                gru_row_##T(u, z + i * 3 * u, ri, xs + i * 3 * u, prev, state, 1);            \
            }                                                                                 \
            else {                                                                            \
                gru_row_##T(u, z + i * 3 * u, ri, xs + i * 3 * u, prev, state, 0);            \
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
        Py_ssize_t t, T *d_step, T *d_rec, int relu)                                          \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *zi = z + i * 3 * u, *ri = inner + i * 3 * u, *hi = dh + i * u;           \
            const T *pi = states + (i * (S + 1) + k) * u, *gi = grad + (i * S + k) * u;       \
            const T *mi = rmask != NULL ? rmask + i * u : NULL;                               \
            T *di = direct + i * u;                                                           \
            T *dx = d_step + i * 3 * u, *dr = d_rec + i * 3 * u;                              \
            if (keep != NULL && !keep[i * S + t]) { /* passed on unchanged */                 \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T carried = mi != NULL ? hi[j] * mi[j] : hi[j];                           \
                    di[j] = gi[j] + (carried + di[j]);                                        \
                }                                                                             \
                memset(dx, 0, sizeof(T) * 3 * (size_t)u);                                     \
                memset(dr, 0, sizeof(T) * 3 * (size_t)u);                                     \
            }                                                                                 \
            else {                                                                            \
                ROW_VARIANTS(gru_row_backward_##T, relu, mi != NULL, u, zi, ri, pi, gi, hi,   \
                    mi, di, dx, dr);                                                          \
            }                                                                                 \
        }                                                                                     \
    }

STEP_LOOPS(float)
STEP_LOOPS(double)

#endif
