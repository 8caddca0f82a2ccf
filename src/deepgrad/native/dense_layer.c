/* One-pass elementwise work around a dense layer's matrix products (see kernels.py).
 *
 * bias_relu:     out = max(out + bias, 0) in place        (NumPy: out += bias; np.maximum(out, 0, out))
 * relu_backward: delta = grad * (out > 0), and the column   (NumPy: grad * (out > 0), then
 *                sums of delta into bias_grad              delta.sum(axis=0))
 *
 * Each repeats NumPy's float operations in NumPy's order, so results are bitwise NumPy's:
 * np.maximum(v, 0) is v for v > 0 or NaN and +0 otherwise (-0 included); the mask multiplies
 * by 1 or 0 (so inf·0 and NaN stay NaN); a column sum over axis 0 starts from +0 and adds
 * the rows in order, as NumPy sums a C-contiguous matrix of two or more columns (a single
 * column it sums pairwise: the caller leaves that one to NumPy). setup.py compiles this file with -ffp-contract=off, never
 * -ffast-math.
 */
#include "kernels_common.h"

#define DENSE_LOOPS(T)                                                                        \
    static void CLONES bias_relu_##T(Py_ssize_t rows, Py_ssize_t cols, T *out, const T *bias) \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            T *row = out + i * cols;                                                          \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T v = bias ? row[j] + bias[j] : row[j];                                       \
                row[j] = (v > 0 || v != v) ? v : (T)0;                                        \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES relu_backward_##T(Py_ssize_t rows, Py_ssize_t cols, const T *grad,     \
                                         const T *out, T *delta, T *bias_grad)                \
    {                                                                                         \
        if (bias_grad != NULL) { /* from +0, as NumPy's sum starts (also with no rows) */     \
            memset(bias_grad, 0, (size_t)cols * sizeof(T));                                   \
        }                                                                                     \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *g = grad + i * cols, *o = out + i * cols;                                \
            T *d = delta + i * cols;                                                          \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                d[j] = g[j] * (o[j] > 0 ? (T)1 : (T)0);                                       \
            }                                                                                 \
            if (bias_grad == NULL) {                                                          \
                continue;                                                                     \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                bias_grad[j] = bias_grad[j] + d[j];                                           \
            }                                                                                 \
        }                                                                                     \
    }

DENSE_LOOPS(float)
DENSE_LOOPS(double)

/* Up to four arrays: C-contiguous, float32 or float64 like the first, 2-D of the first's shape
 * (`vector` set: 1-D of its column count); None where `optional` allows it. */
typedef struct {
    Py_buffer b[4];
    char kind;
    Py_ssize_t rows, cols;
} Arrays;

static int
parse(const char *name, PyObject *const *args, Py_ssize_t nargs, int k, const int *writable,
      const int *vector, const int *optional, Arrays *a)
{
    if (nargs != k) {
        PyErr_Format(PyExc_TypeError, "%s() takes %d arguments (%zd given)", name, k, nargs);
        return -1;
    }
    memset(a->b, 0, sizeof(a->b));
    for (int i = 0; i < k; i++) {
        if (optional[i] && args[i] == Py_None) {
            continue;
        }
        int access = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable[i] ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &a->b[i], access) < 0) {
            release_buffers(a->b, k);
            return -1;
        }
        Py_buffer *b = &a->b[i];
        const char *f = b->format;
        char kind = (f[0] == 'f' || f[0] == 'd') && f[1] == '\0' ? f[0] : 0;
        int ok = kind != 0 && (i == 0 || kind == a->kind);
        if (ok && i == 0) {
            ok = b->ndim == 2;
            a->kind = kind;
            a->rows = ok ? b->shape[0] : 0;
            a->cols = ok ? b->shape[1] : 0;
        }
        else if (ok && vector[i]) {
            ok = b->ndim == 1 && b->shape[0] == a->cols;
        }
        else if (ok) {
            ok = b->ndim == 2 && b->shape[0] == a->rows && b->shape[1] == a->cols;
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError,
                         "%s(): argument %d must be a contiguous float32 or float64 array of the "
                         "first one's dtype and %s", name, i,
                         i == 0 ? "two dimensions" : vector[i] ? "column count" : "shape");
            release_buffers(a->b, k);
            return -1;
        }
    }
    return 0;
}

static PyObject *
bias_relu(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const int writable[] = {1, 0}, vector[] = {0, 1}, optional[] = {0, 1};
    Arrays a;
    if (parse("bias_relu", args, nargs, 2, writable, vector, optional, &a) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (a.kind == 'f') {
        bias_relu_float(a.rows, a.cols, a.b[0].buf, a.b[1].buf);
    }
    else {
        bias_relu_double(a.rows, a.cols, a.b[0].buf, a.b[1].buf);
    }
    Py_END_ALLOW_THREADS
    release_buffers(a.b, 2);
    Py_RETURN_NONE;
}

static PyObject *
relu_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const int writable[] = {0, 0, 1, 1}, vector[] = {0, 0, 0, 1}, optional[] = {0, 0, 0, 1};
    Arrays a;
    if (parse("relu_backward", args, nargs, 4, writable, vector, optional, &a) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (a.kind == 'f') {
        relu_backward_float(a.rows, a.cols, a.b[0].buf, a.b[1].buf, a.b[2].buf, a.b[3].buf);
    }
    else {
        relu_backward_double(a.rows, a.cols, a.b[0].buf, a.b[1].buf, a.b[2].buf, a.b[3].buf);
    }
    Py_END_ALLOW_THREADS
    release_buffers(a.b, 4);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bias_relu", (PyCFunction)(void (*)(void))bias_relu, METH_FASTCALL,
     "bias_relu(out, bias): out = max(out + bias, 0) in place; bias may be None."},
    {"relu_backward", (PyCFunction)(void (*)(void))relu_backward, METH_FASTCALL,
     "relu_backward(grad, out, delta, bias_grad): delta = grad * (out > 0) and, unless "
     "bias_grad is None, bias_grad = delta.sum(axis=0)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_dense_layer",
    "One-pass bias + ReLU forward and ReLU backward, bitwise equal to NumPy's passes.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__dense_layer(void)
{
    return PyModule_Create(&module);
}
