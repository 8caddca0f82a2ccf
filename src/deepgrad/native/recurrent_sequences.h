/* How recurrent.c runs a recurrent layer's call: the input projection, the time loop and, going
 * back, the loop and the weights' gradients, all in C. Each step projects its inputs and
 * multiplies the entering state by the recurrent kernel (small_gemm.h; both kernels packed once
 * per call, so that they stay in the core's cache across the steps), then makes one pass over
 * the gates (recurrent_steps.h); going back, each step's gradient meets the kernels (the state's
 * gradient, the input's) and adds its share of their gradients while it is in cache. The rows
 * of a batch never meet in a recurrent layer, so the batch is cut into blocks of rows and each
 * block runs its whole loop on a thread of its own, with no synchronisation between steps; the
 * blocks' shares of a weight's gradient are added after, in the blocks' order.
 */
#ifndef DEEPGRAD_RECURRENT_SEQUENCES_H
#define DEEPGRAD_RECURRENT_SEQUENCES_H

#include <stdlib.h>

#include "recurrent_steps.h"
#include "small_gemm.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define HAVE_THREADS 1
#else
#define HAVE_THREADS 0
#endif

#define MAX_THREADS 64

#ifdef _WIN32
#include <malloc.h>
#define ALIGNED_ALLOC(bytes) _aligned_malloc(bytes, 64)
#define ALIGNED_FREE(p) _aligned_free(p)
#else
#define ALIGNED_ALLOC(bytes) aligned_alloc(64, bytes) /* bytes: a multiple of 64 */
#define ALIGNED_FREE(p) free(p)
#endif

enum Cell { SIMPLE_RNN, LSTM, GRU };

/* One call's arrays (see recurrent.c) and, per block, its rows [r0, r1) and its buffers. */
typedef struct Block {
    void (*run)(struct Block *);
    enum Cell cell;
    Py_ssize_t n, u, S, F, r0, r1;
    int backwards, relu;
    const void *x, *w, *b, *packed_r, *packed_w, *rbias, *rmask;
    const char *keep;
    void *states, *gates, *aux, *grad, *dh, *direct, *dc, *dx, *scratch;
    void *dw, *dr, *db, *drb; /* this block's shares of the weights' gradients */
} Block;

static Py_ssize_t
gates_of(enum Cell cell)
{
    return cell == LSTM ? 4 : cell == GRU ? 3 : 1;
}

#if HAVE_THREADS
static void *
run_block(void *block)
{
    ((Block *)block)->run(block);
    return NULL;
}
#endif

/* Run the blocks, the first on this thread and the others on threads of their own (in turn
 * here where a thread cannot start). */
static void
run_blocks(Block *blocks, int count)
{
#if HAVE_THREADS
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 1; i < count; i++) {
        started[i] = pthread_create(&ids[i], NULL, run_block, &blocks[i]) == 0;
        if (!started[i]) {
            blocks[i].run(&blocks[i]);
        }
    }
    blocks[0].run(&blocks[0]);
    for (int i = 1; i < count; i++) {
        if (started[i]) {
            pthread_join(ids[i], NULL);
        }
    }
#else
    for (int i = 0; i < count; i++) {
        blocks[i].run(&blocks[i]);
    }
#endif
}

#define SEQUENCE_LOOPS(T)                                                                     \
    /* The state entering step k's product, h_k (times the recurrent dropout mask), gathered  \
     * into the block's scratch, (rows × u): rows far apart in `states` share cache sets. */   \
    static const T *entering_##T(const Block *w, const T *states, Py_ssize_t k)               \
    {                                                                                         \
        Py_ssize_t u = w->u, m = w->r1 - w->r0, P = w->cell == LSTM ? 2 : 1;                  \
        Py_ssize_t lda = (w->S + 1) * P * u;                                                  \
        const T *h = states + k * P * u;                                                      \
        const T *rmask = w->rmask != NULL ? (const T *)w->rmask + w->r0 * u : NULL;           \
        T *scratch = w->scratch;                                                              \
        for (Py_ssize_t i = 0; i < m; i++) {                                                  \
            if (rmask != NULL) {                                                              \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    scratch[i * u + j] = h[i * lda + j] * rmask[i * u + j];                   \
                }                                                                             \
            }                                                                                 \
            else {                                                                            \
                memcpy(scratch + i * u, h + i * lda, sizeof(T) * (size_t)u);                  \
            }                                                                                 \
        }                                                                                     \
        return scratch;                                                                       \
    }                                                                                         \
                                                                                              \
    static void rows_forward_##T(Block *w)                                                    \
    {                                                                                         \
        Py_ssize_t N = w->n, u = w->u, S = w->S, F = w->F, r0 = w->r0, m = w->r1 - w->r0;     \
        Py_ssize_t g = gates_of(w->cell) * u, P = w->cell == LSTM ? 2 : 1;                    \
        const T *x = (const T *)w->x + r0 * S * F, *b = w->b;                                 \
        const char *keep = w->keep != NULL ? w->keep + r0 * S : NULL;                         \
        T *states = (T *)w->states + r0 * (S + 1) * P * u;                                    \
        T *xs = (T *)w->scratch + m * u; /* the step's projected inputs */                    \
        Strides projection = {S * F, 1, 0, g, 1};                                             \
        for (Py_ssize_t k = 0; k < S; k++) {                                                  \
            Py_ssize_t t = w->backwards ? S - 1 - k : k;                                      \
            for (Py_ssize_t i = 0; i < m; i++) { /* xs = b + x_t @ w */                       \
                if (b != NULL) {                                                              \
                    memcpy(xs + i * g, b, sizeof(T) * (size_t)g);                             \
                }                                                                             \
                else {                                                                        \
                    memset(xs + i * g, 0, sizeof(T) * (size_t)g);                             \
                }                                                                             \
            }                                                                                 \
            gemm_##T(m, g, F, x + t * F, w->packed_w, 1, xs, projection);                     \
            const T *h = entering_##T(w, states, k);                                          \
            if (w->cell == SIMPLE_RNN) {                                                      \
                Strides s = {u, 1, 0, (S + 1) * u, 0};                                        \
                gemm_##T(m, u, u, h, w->packed_r, 1, states + (k + 1) * u, s);                \
                simple_rnn_step_##T(m, u, S, xs, t, states, k, keep, w->relu);                \
            }                                                                                 \
            else if (w->cell == LSTM) {                                                       \
                T *z = (T *)w->gates + (k * N + r0) * g;                                      \
                Strides s = {u, 1, 0, g, 0};                                                  \
                gemm_##T(m, g, u, h, w->packed_r, 1, z, s);                                   \
                lstm_step_##T(m, u, S, z, xs, t, states, k, (T *)w->aux + (k * N + r0) * u,   \
                              keep, w->relu);                                                 \
            }                                                                                 \
            else {                                                                            \
                T *inner = (T *)w->aux + (k * N + r0) * g;                                    \
                Strides s = {u, 1, 0, g, 0};                                                  \
                gemm_##T(m, g, u, h, w->packed_r, 1, inner, s);                               \
                gru_step_##T(m, u, S, (T *)w->gates + (k * N + r0) * g, inner, w->rbias, xs,  \
                             t, states, k, keep, w->relu);                                    \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    /* to[j] += the column sums of rows × cols values */                                   \
    static void add_rows_##T(T *to, const T *values, Py_ssize_t rows, Py_ssize_t cols)        \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                to[j] += values[i * cols + j];                                                \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void rows_backward_##T(Block *w)                                                   \
    {                                                                                         \
        Py_ssize_t N = w->n, u = w->u, S = w->S, F = w->F, r0 = w->r0, m = w->r1 - w->r0;     \
        Py_ssize_t g = gates_of(w->cell) * u, P = w->cell == LSTM ? 2 : 1;                    \
        const T *rmask = w->rmask != NULL ? (const T *)w->rmask + r0 * u : NULL;              \
        const char *keep = w->keep != NULL ? w->keep + r0 * S : NULL;                         \
        const T *states = (const T *)w->states + r0 * (S + 1) * P * u;                        \
        const T *grad = (const T *)w->grad + r0 * S * P * u;                                  \
        const T *x = (const T *)w->x + r0 * S * F;                                            \
        T *dh = (T *)w->dh + r0 * u, *direct = (T *)w->direct + r0 * u;                       \
        /* the step's gradients: of its projected inputs, and the GRU's of its recurrent     \
         * product (the LSTM's and the SimpleRNN's recurrent product is the same sum) */      \
        T *d = (T *)w->scratch + m * u, *d_rec = d + m * g;                                   \
        T *d_prod = w->cell == GRU ? d_rec : d;                                               \
        memset(w->dr, 0, sizeof(T) * (size_t)(u * g));                                        \
        memset(w->dw, 0, sizeof(T) * (size_t)(F * g));                                        \
        if (w->db != NULL) {                                                                  \
            memset(w->db, 0, sizeof(T) * (size_t)g);                                          \
        }                                                                                     \
        if (w->drb != NULL) {                                                                 \
            memset(w->drb, 0, sizeof(T) * (size_t)g);                                         \
        }                                                                                     \
        for (Py_ssize_t k = S - 1; k >= 0; k--) {                                             \
            Py_ssize_t t = w->backwards ? S - 1 - k : k;                                      \
            if (w->cell == SIMPLE_RNN) {                                                      \
                simple_rnn_step_backward_##T(m, u, S, d, t, states, k, grad, dh, direct,      \
                                             rmask, keep, w->relu);                           \
            }                                                                                 \
            else if (w->cell == LSTM) {                                                       \
                lstm_step_backward_##T(m, u, S, (const T *)w->gates + (k * N + r0) * g,       \
                                       (const T *)w->aux + (k * N + r0) * u, states, k, grad, \
                                       dh, direct, (T *)w->dc + r0 * u, rmask, keep, t, d,    \
                                       w->relu);                                              \
            }                                                                                 \
            else {                                                                            \
                gru_step_backward_##T(m, u, S, (const T *)w->gates + (k * N + r0) * g,        \
                                      (const T *)w->aux + (k * N + r0) * g, states, k, grad,  \
                                      dh, direct, rmask, keep, t, d, d_rec, w->relu);         \
            }                                                                                 \
            Strides down = {g, 1, 0, u, 0};                                                   \
            gemm_##T(m, u, g, d_prod, w->packed_r, 1, dh, down);                              \
            Strides weight = {1, u, g, g, 1}; /* dr += h_kᵀ @ d_prod */                       \
            gemm_##T(u, g, m, entering_##T(w, states, k), d_prod, 0, w->dr, weight);          \
            Strides input_weight = {1, S * F, g, g, 1}; /* dw += x_tᵀ @ d */                  \
            gemm_##T(F, g, m, x + t * F, d, 0, w->dw, input_weight);                          \
            if (w->db != NULL) {                                                              \
                add_rows_##T(w->db, d, m, g);                                                 \
            }                                                                                 \
            if (w->drb != NULL) {                                                             \
                add_rows_##T(w->drb, d_rec, m, g);                                            \
            }                                                                                 \
            if (w->dx != NULL) {                                                              \
                Strides input = {g, 1, 0, S * F, 0}; /* dx[:, t] = d @ wᵀ */                  \
                gemm_##T(m, F, g, d, w->packed_w, 1, (T *)w->dx + r0 * S * F + t * F, input); \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    /* Add the other blocks' shares of the weights' gradients into the first's. */         \
    static void add_shares_##T(Block *blocks, int count, Py_ssize_t F)                        \
    {                                                                                         \
        Py_ssize_t g = gates_of(blocks[0].cell) * blocks[0].u;                                \
        for (int i = 1; i < count; i++) {                                                     \
            add_rows_##T(blocks[0].dr, blocks[i].dr, 1, blocks[0].u * g);                     \
            add_rows_##T(blocks[0].dw, blocks[i].dw, 1, F * g);                               \
            if (blocks[0].db != NULL) {                                                       \
                add_rows_##T(blocks[0].db, blocks[i].db, 1, g);                               \
            }                                                                                 \
            if (blocks[0].drb != NULL) {                                                      \
                add_rows_##T(blocks[0].drb, blocks[i].drb, 1, g);                             \
            }                                                                                 \
        }                                                                                     \
    }

SEQUENCE_LOOPS(float)
SEQUENCE_LOOPS(double)

/* Cut rows [0, n) into at most `threads` blocks like `proto` and run them, forward or
 * `backward`. Packs the recurrent kernel r (u × g) for the step products (forward h @ r,
 * backward d @ r.T) and the kernel w (F × g) for the inputs' (forward x_t @ w, backward
 * d[:, t] @ w.T), and gives each block its scratch (a step's entering state, its projected
 * inputs or their gradient, the GRU's recurrent product's gradient) and, but the first, buffers
 * for its shares of dw, dr, db and drb, which are added into the first's after. Returns -1 when
 * memory runs out. */
static int
run_sequence(Block proto, int backward, int threads, char kind, const void *r)
{
    Py_ssize_t u = proto.u, F = proto.F, g = gates_of(proto.cell) * u;
    size_t item = kind == 'f' ? sizeof(float) : sizeof(double);
#define PACKED(k, cols)                                                                       \
    (((kind == 'f' ? packed_size_float(k, cols) : packed_size_double(k, cols)) * item + 63)    \
     / 64 * 64)
    size_t r_bytes = backward ? PACKED(g, u) : PACKED(u, g);
    size_t w_bytes = backward ? PACKED(g, F) : PACKED(F, g);
#undef PACKED
    int count = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    if (count > proto.n) {
        count = proto.n > 0 ? (int)proto.n : 1;
    }
    /* scratch: a step's entering state (rows × u) and its projected inputs or their gradient
     * (rows × g), and the GRU's recurrent product's gradient (rows × g) */
    size_t scratch = (size_t)(proto.n / count + 1) * (u + 2 * g) * item;
    size_t shares = backward ? (size_t)(u * g + F * g + 2 * g) * item : 0;
    size_t block_bytes = (scratch + 63) / 64 * 64 + (shares + 63) / 64 * 64;
    char *memory = ALIGNED_ALLOC(r_bytes + w_bytes + block_bytes * count + 64);
    if (memory == NULL) {
        return -1;
    }
    char *packed_r = memory, *packed_w = memory + r_bytes;
    /* forward B = r (u × g), B[kk, j] = r[kk·g + j]; backward B = r.T: B[kk, j] = r[j·g + kk] */
    if (kind == 'f') {
        pack_float(r, backward ? 1 : g, backward ? g : 1, backward ? g : u, backward ? u : g,
                   (float *)packed_r);
        pack_float(proto.w, backward ? 1 : g, backward ? g : 1, backward ? g : F,
                   backward ? F : g, (float *)packed_w);
    }
    else {
        pack_double(r, backward ? 1 : g, backward ? g : 1, backward ? g : u, backward ? u : g,
                    (double *)packed_r);
        pack_double(proto.w, backward ? 1 : g, backward ? g : 1, backward ? g : F,
                    backward ? F : g, (double *)packed_w);
    }
    gemm_fma(); /* asked here, before the threads start */
    proto.run = kind == 'f' ? (backward ? rows_backward_float : rows_forward_float)
                            : (backward ? rows_backward_double : rows_forward_double);
    proto.packed_r = packed_r;
    proto.packed_w = packed_w;
    Block blocks[MAX_THREADS];
    char *own = packed_w + w_bytes;
    for (int i = 0; i < count; i++) {
        char *mine = own + block_bytes * i;
        blocks[i] = proto;
        blocks[i].r0 = proto.n * i / count;
        blocks[i].r1 = proto.n * (i + 1) / count;
        blocks[i].scratch = mine;
        if (i > 0 && backward) {
            char *share = mine + (scratch + 63) / 64 * 64;
            blocks[i].dr = share;
            blocks[i].dw = share + (size_t)(u * g) * item;
            blocks[i].db = proto.db != NULL ? share + (size_t)(u * g + F * g) * item : NULL;
            blocks[i].drb = proto.drb != NULL ? share + (size_t)(u * g + F * g + g) * item : NULL;
        }
    }
    run_blocks(blocks, count);
    if (backward) {
        if (kind == 'f') {
            add_shares_float(blocks, count, F);
        }
        else {
            add_shares_double(blocks, count, F);
        }
    }
    ALIGNED_FREE(memory);
    return 0;
}

#endif
