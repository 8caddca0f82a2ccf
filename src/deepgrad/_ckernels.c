/* One-pass optimizer updates for deepgrad's flat float32/float64 buffers (see kernels.py).
 *
 * Each loop repeats, element by element, the float operations of the NumPy update it replaces
 * (the _update methods in deepgrad/optimizers), in the same order, so the two paths give
 * bitwise the same weights. That rules out fused multiply-adds and reassociation: setup.py
 * compiles this file with -ffp-contract=off and never with -ffast-math. Scalars arrive already
 * rounded to the buffers' dtype, as NumPy rounds a Python float against a float32 array.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

/* Wider vector units where the CPU has them, chosen once at load time (GCC on x86-64 Linux). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

#define ADAM_LOOP(T, SQRT)                                                                    \
    static void CLONES adam_##T(Py_ssize_t n, T *w, const T *g, T *m, T *v, T *v_hat,         \
                                int amsgrad, int decayed, T decay, T beta_1, T one_minus_beta_1, \
                                T beta_2, T one_minus_beta_2, T epsilon, T alpha)             \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T wi = w[i];                                                                      \
            if (decayed) {                                                                    \
                wi = wi - wi * decay;                                                         \
            }                                                                                 \
            T gi = g[i];                                                                      \
            T mi = m[i] * beta_1 + gi * one_minus_beta_1;                                     \
            T vi = v[i] * beta_2 + (gi * gi) * one_minus_beta_2;                              \
            m[i] = mi;                                                                        \
            v[i] = vi;                                                                        \
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
            T wi = w[i];                                                                      \
            if (decayed) {                                                                    \
                wi = wi - wi * decay;                                                         \
            }                                                                                 \
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

ADAM_LOOP(float, sqrtf)
ADAM_LOOP(double, sqrt)
SGD_LOOP(float)
SGD_LOOP(double)

/* ------------------------------------------------------------------ argument handling */

/* Buffers 0..k-1 of a call: one-dimensional, C-contiguous, all float32 or all float64, all of
 * the first one's length. Returns 'f' or 'd', or 0 with an exception set (buffers released). */
static char
get_buffers(PyObject *const *args, Py_ssize_t k, const int *writable, Py_buffer *views)
{
    char kind = 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable[i] ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &views[i], flags) < 0) {
            goto fail;
        }
        const char *f = views[i].format;
        char this = (f[0] == 'f' || f[0] == 'd') && f[1] == '\0' ? f[0] : 0;
        if (this == 0 || views[i].ndim != 1 || (i > 0 && this != kind) ||
            views[i].shape[0] != views[0].shape[0]) {
            PyErr_Format(PyExc_ValueError,
                         "kernel argument %zd must be a 1-D contiguous array of the first one's "
                         "dtype (float32 or float64) and length", i);
            k = i + 1;
            goto fail;
        }
        kind = this;
    }
    return kind;
fail:
    for (Py_ssize_t j = 0; j < k; j++) {
        if (views[j].obj != NULL) {
            PyBuffer_Release(&views[j]);
        }
    }
    return 0;
}

static void
release(Py_buffer *views, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < k; i++) {
        PyBuffer_Release(&views[i]);
    }
}

static int
get_doubles(PyObject *const *args, Py_ssize_t k, double *out)
{
    for (Py_ssize_t i = 0; i < k; i++) {
        out[i] = PyFloat_AsDouble(args[i]);
        if (out[i] == -1.0 && PyErr_Occurred()) {
            return -1;
        }
    }
    return 0;
}

static PyObject *
adam(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    /* w, g, m, v, v_hat, amsgrad, decayed, decay, beta_1, 1-beta_1, beta_2, 1-beta_2, eps, alpha */
    if (nargs != 14) {
        PyErr_Format(PyExc_TypeError, "adam() takes 14 arguments (%zd given)", nargs);
        return NULL;
    }
    int amsgrad = PyObject_IsTrue(args[5]), decayed = PyObject_IsTrue(args[6]);
    double s[7];
    if (amsgrad < 0 || decayed < 0 || get_doubles(args + 7, 7, s) < 0) {
        return NULL;
    }
    static const int writable[5] = {1, 0, 1, 1, 1};
    Py_buffer b[5] = {{0}};
    char kind = get_buffers(args, 5, writable, b);
    if (kind == 0) {
        return NULL;
    }
    Py_ssize_t n = b[0].shape[0];
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        adam_float(n, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, amsgrad, decayed,
                   (float)s[0], (float)s[1], (float)s[2], (float)s[3], (float)s[4], (float)s[5],
                   (float)s[6]);
    }
    else {
        adam_double(n, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, amsgrad, decayed,
                    s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
    }
    Py_END_ALLOW_THREADS
    release(b, 5);
    Py_RETURN_NONE;
}

static PyObject *
sgd(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    /* w, g, velocity, momentum, nesterov, decayed, decay, lr */
    if (nargs != 8) {
        PyErr_Format(PyExc_TypeError, "sgd() takes 8 arguments (%zd given)", nargs);
        return NULL;
    }
    int nesterov = PyObject_IsTrue(args[4]), decayed = PyObject_IsTrue(args[5]);
    double momentum, s[2];
    if (nesterov < 0 || decayed < 0 || get_doubles(args + 3, 1, &momentum) < 0 ||
        get_doubles(args + 6, 2, s) < 0) {
        return NULL;
    }
    static const int writable[3] = {1, 0, 1};
    Py_buffer b[3] = {{0}};
    char kind = get_buffers(args, 3, writable, b);
    if (kind == 0) {
        return NULL;
    }
    Py_ssize_t n = b[0].shape[0];
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        sgd_float(n, b[0].buf, b[1].buf, b[2].buf, (float)momentum, nesterov, decayed,
                  (float)s[0], (float)s[1]);
    }
    else {
        sgd_double(n, b[0].buf, b[1].buf, b[2].buf, momentum, nesterov, decayed, s[0], s[1]);
    }
    Py_END_ALLOW_THREADS
    release(b, 3);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam", (PyCFunction)(void (*)(void))adam, METH_FASTCALL,
     "adam(w, g, m, v, v_hat, amsgrad, decayed, decay, beta_1, one_minus_beta_1, beta_2, "
     "one_minus_beta_2, epsilon, alpha): Adam/AdamW (AMSGrad) update in place, in one pass."},
    {"sgd", (PyCFunction)(void (*)(void))sgd, METH_FASTCALL,
     "sgd(w, g, velocity, momentum, nesterov, decayed, decay, lr): SGD (momentum, Nesterov) "
     "update in place, in one pass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ckernels",
    "One-pass optimizer updates, bitwise equal to deepgrad's NumPy updates.", -1, methods,
};

PyMODINIT_FUNC
PyInit__ckernels(void)
{
    return PyModule_Create(&module);
}
