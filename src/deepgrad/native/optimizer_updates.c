/* One-pass optimizer updates for deepgrad's flat float32/float64 buffers (see kernels.py).
 *
 * Each loop repeats, element by element, the float operations of the NumPy update it replaces
 * (the _update methods in deepgrad/optimizers), in the same order, so the two paths give
 * bitwise the same weights. That rules out fused multiply-adds and reassociation: setup.py
 * compiles this file with -ffp-contract=off and never with -ffast-math. Scalars arrive already
 * rounded to the buffers' dtype, as NumPy rounds a Python float against a float32 array.
 */
#include "kernels_common.h"
#include <float.h>
#include <math.h>

/* A gradient element whose square would be a subnormal number, |g| < √tiny (2^-63 in float32,
 * 2^-511 in float64), counts as 0 in the updates that square it (Adam, Nadam, RMSprop, Adagrad,
 * Adadelta), as in Optimizer._decay_and_update: arithmetic on subnormals is 25-50 times slower,
 * and a layer whose units have died feeds the optimizer such gradients at every step. */
#define TINY_ROOT_float 0x1p-63f
#define TINY_ROOT_double 0x1p-511
#define SQUARABLE(T, x) (((x) < TINY_ROOT_##T && (x) > -TINY_ROOT_##T) ? (T)0 : (x))

/* In a loop over i: the weight after the decoupled decay when `decayed` (w − w·decay, as
 * Optimizer._decay_and_update computes it), and Adam's moments in place as _update_moments
 * computes them (m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²; needs gi). */
#define DECAYED_WEIGHT(T) T wi = decayed ? w[i] - w[i] * decay : w[i]
#define ADAM_MOMENTS(T)                                                                       \
    T mi = m[i] * beta_1 + gi * one_minus_beta_1;                                             \
    T vi = v[i] * beta_2 + (gi * gi) * one_minus_beta_2;                                      \
    m[i] = mi;                                                                                \
    v[i] = vi

#define ADAM_LOOP(T, SQRT)                                                                    \
    static void CLONES adam_##T(Py_ssize_t n, T *w, const T *g, T *m, T *v, T *v_hat,         \
                                int amsgrad, int decayed, T decay, T beta_1, T one_minus_beta_1, \
                                T beta_2, T one_minus_beta_2, T epsilon, T alpha)             \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T gi = SQUARABLE(T, g[i]);                                                        \
            ADAM_MOMENTS(T);                                                                  \
            if (amsgrad) {                                                                    \
                T h = v_hat[i];                                                               \
                if (!isnan(h) && !(h >= vi)) { /* np.maximum: a NaN on either side wins */   \
                    h = vi;                                                                   \
                }                                                                             \
                v_hat[i] = h;                                                                 \
                vi = h;                                                                       \
            }                                                                                 \
            w[i] = wi - (mi / (SQRT(vi) + epsilon)) * alpha;                                  \
        }                                                                                     \
    }

#define SGD_LOOP(T)                                                                           \
    static void CLONES sgd_##T(Py_ssize_t n, T *w, const T *g, T *velocity, T momentum,       \
                               int nesterov, int decayed, T decay, T lr)                      \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T step = g[i] * lr;                                                               \
            if (momentum == 0) {                                                              \
                w[i] = wi - step;                                                             \
                continue;                                                                     \
            }                                                                                 \
            T vi = velocity[i] * momentum - step;                                             \
            velocity[i] = vi;                                                                 \
            w[i] = nesterov ? wi + (vi * momentum - step) : wi + vi;                          \
        }                                                                                     \
    }

#define NADAM_LOOP(T, SQRT)                                                                   \
    static void CLONES nadam_##T(Py_ssize_t n, T *w, const T *g, T *m, T *v, int decayed,      \
                                 T decay, T beta_1, T one_minus_beta_1, T beta_2,              \
                                 T one_minus_beta_2, T c_m, T c_g, T bias_2, T lr, T epsilon)  \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T gi = SQUARABLE(T, g[i]);                                                        \
            ADAM_MOMENTS(T);                                                                  \
            T m_hat = mi * c_m + gi * c_g;                                                    \
            w[i] = wi - (m_hat * lr) / (SQRT(vi / bias_2) + epsilon);                         \
        }                                                                                     \
    }

#define ADAGRAD_LOOP(T, SQRT)                                                                 \
    static void CLONES adagrad_##T(Py_ssize_t n, T *w, const T *g, T *acc, int decayed,        \
                                   T decay, T epsilon, T lr)                                  \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T gi = SQUARABLE(T, g[i]);                                                        \
            T ai = acc[i] + gi * gi;                                                          \
            acc[i] = ai;                                                                      \
            w[i] = wi - (gi * lr) / SQRT(ai + epsilon);                                       \
        }                                                                                     \
    }

#define ADADELTA_LOOP(T, SQRT)                                                                \
    static void CLONES adadelta_##T(Py_ssize_t n, T *w, const T *g, T *eg, T *ex, int decayed, \
                                    T decay, T rho, T one_minus_rho, T epsilon, T lr)         \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T gi = SQUARABLE(T, g[i]);                                                        \
            T egi = eg[i] * rho + (gi * gi) * one_minus_rho;                                  \
            eg[i] = egi;                                                                      \
            T delta = (SQRT(ex[i] + epsilon) * gi) / SQRT(egi + epsilon);                     \
            ex[i] = ex[i] * rho + (delta * delta) * one_minus_rho;                            \
            w[i] = wi - delta * lr;                                                           \
        }                                                                                     \
    }

#define RMSPROP_LOOP(T, SQRT)                                                                 \
    static void CLONES rmsprop_##T(Py_ssize_t n, T *w, const T *g, T *velocity, T *average,    \
                                   T *mom, int centered, int has_momentum, T momentum,        \
                                   int decayed, T decay, T rho, T one_minus_rho, T epsilon,   \
                                   T lr)                                                      \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            DECAYED_WEIGHT(T);                                                                \
            T gi = SQUARABLE(T, g[i]);                                                        \
            T vi = velocity[i] * rho + (gi * gi) * one_minus_rho;                             \
            velocity[i] = vi;                                                                 \
            T denominator;                                                                    \
            if (centered) {                                                                   \
                T ai = average[i] * rho + gi * one_minus_rho;                                 \
                average[i] = ai;                                                              \
                denominator = (vi - ai * ai) + epsilon;                                       \
            }                                                                                 \
            else {                                                                            \
                denominator = vi + epsilon;                                                   \
            }                                                                                 \
            T increment = (gi * lr) / SQRT(denominator);                                      \
            if (has_momentum) {                                                               \
                T mi = mom[i] * momentum + increment;                                         \
                mom[i] = mi;                                                                  \
                w[i] = wi - mi;                                                               \
            }                                                                                 \
            else {                                                                            \
                w[i] = wi - increment;                                                        \
            }                                                                                 \
        }                                                                                     \
    }

ADAM_LOOP(float, sqrtf)
ADAM_LOOP(double, sqrt)
SGD_LOOP(float)
SGD_LOOP(double)
NADAM_LOOP(float, sqrtf)
NADAM_LOOP(double, sqrt)
ADAGRAD_LOOP(float, sqrtf)
ADAGRAD_LOOP(double, sqrt)
ADADELTA_LOOP(float, sqrtf)
ADADELTA_LOOP(double, sqrt)
RMSPROP_LOOP(float, sqrtf)
RMSPROP_LOOP(double, sqrt)

/* ------------------------------------------------------------------ argument handling */

/* A kernel's arguments: `arrays` buffers, then `flags` truth values, then `scalars` floats. */
typedef struct {
    Py_buffer b[5];
    int flag[3];
    double s[10];
    char kind; /* 'f' (float32) or 'd' (float64) */
    Py_ssize_t n;
} Call;

/* Buffers: one-dimensional, C-contiguous, all float32 or all float64, all of the first one's
 * length; writable where `writable` says. Returns 0, or -1 with an exception set. */
static int
parse(const char *name, PyObject *const *args, Py_ssize_t nargs, Call *c, const int *writable,
      int arrays, int flags, int scalars)
{
    if (nargs != arrays + flags + scalars) {
        PyErr_Format(PyExc_TypeError, "%s() takes %d arguments (%zd given)", name,
                     arrays + flags + scalars, nargs);
        return -1;
    }
    for (int i = 0; i < flags; i++) {
        if ((c->flag[i] = PyObject_IsTrue(args[arrays + i])) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < scalars; i++) {
        c->s[i] = PyFloat_AsDouble(args[arrays + flags + i]);
        if (c->s[i] == -1.0 && PyErr_Occurred()) {
            return -1;
        }
    }
    memset(c->b, 0, sizeof(c->b));
    for (int i = 0; i < arrays; i++) {
        int access = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable[i] ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &c->b[i], access) < 0) {
            release_buffers(c->b, arrays);
            return -1;
        }
        const char *f = c->b[i].format;
        char kind = (f[0] == 'f' || f[0] == 'd') && f[1] == '\0' ? f[0] : 0;
        if (kind == 0 || c->b[i].ndim != 1 || (i > 0 && kind != c->kind) ||
            c->b[i].shape[0] != c->b[0].shape[0]) {
            PyErr_Format(PyExc_ValueError,
                         "%s(): argument %d must be a 1-D contiguous array of the first one's "
                         "dtype (float32 or float64) and length", name, i);
            release_buffers(c->b, arrays);
            return -1;
        }
        c->kind = kind;
    }
    c->n = c->b[0].shape[0];
    return 0;
}

#define B(i) (c.b[i].buf)
#define F(i) ((float)c.s[i])
#define D(i) (c.s[i])

#define UNPAREN(...) __VA_ARGS__

/* A Python function `name` whose float32 and float64 loops get the same arguments;
 * `writable` is a parenthesised list, one 0 or 1 per array. */
#define WRAPPER(name, arrays, flags, scalars, writable, F_CALL, D_CALL)                        \
    static PyObject *name(PyObject *self, PyObject *const *args, Py_ssize_t nargs)            \
    {                                                                                         \
        static const int access[] = {UNPAREN writable};                                       \
        Call c;                                                                               \
        if (parse(#name, args, nargs, &c, access, arrays, flags, scalars) < 0) {              \
            return NULL;                                                                      \
        }                                                                                     \
        Py_BEGIN_ALLOW_THREADS if (c.kind == 'f') { F_CALL; }                                 \
        else { D_CALL; }                                                                      \
        Py_END_ALLOW_THREADS release_buffers(c.b, arrays);                                    \
        Py_RETURN_NONE;                                                                       \
    }

#define ARGS_ADAM(X) c.n, B(0), B(1), B(2), B(3), B(4), c.flag[0], c.flag[1], X(0), X(1), X(2), \
                     X(3), X(4), X(5), X(6)
WRAPPER(adam, 5, 2, 7, (1, 0, 1, 1, 1), adam_float(ARGS_ADAM(F)), adam_double(ARGS_ADAM(D)))

#define ARGS_SGD(X) c.n, B(0), B(1), B(2), X(0), c.flag[0], c.flag[1], X(1), X(2)
WRAPPER(sgd, 3, 2, 3, (1, 0, 1), sgd_float(ARGS_SGD(F)), sgd_double(ARGS_SGD(D)))

#define ARGS_NADAM(X) c.n, B(0), B(1), B(2), B(3), c.flag[0], X(0), X(1), X(2), X(3), X(4),    \
                      X(5), X(6), X(7), X(8), X(9)
WRAPPER(nadam, 4, 1, 10, (1, 0, 1, 1), nadam_float(ARGS_NADAM(F)), nadam_double(ARGS_NADAM(D)))

#define ARGS_ADAGRAD(X) c.n, B(0), B(1), B(2), c.flag[0], X(0), X(1), X(2)
WRAPPER(adagrad, 3, 1, 3, (1, 0, 1), adagrad_float(ARGS_ADAGRAD(F)),
        adagrad_double(ARGS_ADAGRAD(D)))

#define ARGS_ADADELTA(X) c.n, B(0), B(1), B(2), B(3), c.flag[0], X(0), X(1), X(2), X(3), X(4)
WRAPPER(adadelta, 4, 1, 5, (1, 0, 1, 1), adadelta_float(ARGS_ADADELTA(F)),
        adadelta_double(ARGS_ADADELTA(D)))

#define ARGS_RMSPROP(X) c.n, B(0), B(1), B(2), B(3), B(4), c.flag[0], c.flag[1], X(0),         \
                        c.flag[2], X(1), X(2), X(3), X(4), X(5)
WRAPPER(rmsprop, 5, 3, 6, (1, 0, 1, 1, 1), rmsprop_float(ARGS_RMSPROP(F)),
        rmsprop_double(ARGS_RMSPROP(D)))

static PyMethodDef methods[] = {
    {"adam", (PyCFunction)(void (*)(void))adam, METH_FASTCALL,
     "adam(w, g, m, v, v_hat, amsgrad, decayed, decay, beta_1, 1 - beta_1, beta_2, 1 - beta_2, "
     "epsilon, alpha): Adam/AdamW (AMSGrad) in place."},
    {"sgd", (PyCFunction)(void (*)(void))sgd, METH_FASTCALL,
     "sgd(w, g, velocity, nesterov, decayed, momentum, decay, lr): SGD (momentum, Nesterov; "
     "momentum 0: plain) in place."},
    {"nadam", (PyCFunction)(void (*)(void))nadam, METH_FASTCALL,
     "nadam(w, g, m, v, decayed, decay, beta_1, 1 - beta_1, beta_2, 1 - beta_2, c_m, c_g, "
     "bias_2, lr, epsilon): Nadam in place."},
    {"adagrad", (PyCFunction)(void (*)(void))adagrad, METH_FASTCALL,
     "adagrad(w, g, accumulator, decayed, decay, epsilon, lr): Adagrad in place."},
    {"adadelta", (PyCFunction)(void (*)(void))adadelta, METH_FASTCALL,
     "adadelta(w, g, accumulated_grad, accumulated_delta, decayed, decay, rho, 1 - rho, "
     "epsilon, lr): Adadelta in place."},
    {"rmsprop", (PyCFunction)(void (*)(void))rmsprop, METH_FASTCALL,
     "rmsprop(w, g, velocity, average_gradient, momentum_buffer, centered, has_momentum, "
     "decayed, momentum, decay, rho, 1 - rho, epsilon, lr): RMSprop in place."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_optimizer_updates",
    "One-pass optimizer updates, bitwise equal to deepgrad's NumPy updates.", -1, methods,
};

PyMODINIT_FUNC
PyInit__optimizer_updates(void)
{
    return PyModule_Create(&module);
}
