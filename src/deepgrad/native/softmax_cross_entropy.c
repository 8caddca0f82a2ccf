/* The passes of a softmax cross-entropy with integer labels around NumPy's exp, sum and log
 * (see losses/softmax_cross_entropy.py).
 *
 * softmax_shift:    per row, shifted = z - max(z) (NaN when the row holds a NaN, as np.max);
 *                   keep = !(shifted < floor), and exps = 0 where not keep
 *                   (NumPy: z - np.max(z, axis=1, keepdims=True), then the floored exp's mask)
 * softmax_ce_sparse: p = exps / totals; delta = (p - [j == label]) * scale_i;
 *                   losses_i = log_totals_i - shifted[i, label_i]
 *                   (NumPy: SoftmaxCrossEntropy's forward after the exp, and its backward)
 *
 * The exponentials, the row sums and the logarithms stay NumPy's, so with the same operations
 * in the same order the results are bitwise NumPy's. The sign of a zero maximum may differ from
 * np.max's, which changes no result: e^{±0} = 1 and l - (±0) = l - 0. Compiled with
 * -ffp-contract=off, never -ffast-math.
 */
#include "kernels_common.h"
#include <stdint.h>

#define LOSS_LOOPS(T)                                                                         \
    static void CLONES softmax_shift_##T(Py_ssize_t rows, Py_ssize_t cols, const T *z,        \
                                         T *shifted, T *exps, uint8_t *keep, T floor)         \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *zi = z + i * cols;                                                       \
            T m = zi[0];                                                                      \
            for (Py_ssize_t j = 1; j < cols; j++) {                                           \
                T v = zi[j];                                                                  \
                if (v > m || v != v) {                                                        \
                    m = v;                                                                    \
                }                                                                             \
                if (m != m) {                                                                 \
                    break;                                                                    \
                }                                                                             \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T s = zi[j] - m;                                                              \
                int k = !(s < floor);                                                         \
                shifted[i * cols + j] = s;                                                    \
                keep[i * cols + j] = (uint8_t)k;                                              \
                if (!k) {                                                                     \
                    exps[i * cols + j] = 0;                                                   \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES softmax_ce_sparse_##T(Py_ssize_t rows, Py_ssize_t cols, const T *exps, \
                                             const T *totals, const T *log_totals,            \
                                             const T *shifted, const int64_t *labels,         \
                                             const T *scale, Py_ssize_t scale_step, T *delta, \
                                             T *losses)                                       \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *e = exps + i * cols;                                                     \
            T *d = delta + i * cols;                                                          \
            T total = totals[i], g = scale[i * scale_step];                                   \
            int64_t label = labels[i];                                                        \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T p = e[j] / total;                                                           \
                d[j] = (j == label ? p - (T)1 : p) * g;                                       \
            }                                                                                 \
            losses[i] = log_totals[i] - shifted[i * cols + label];                            \
        }                                                                                     \
    }

LOSS_LOOPS(float)
LOSS_LOOPS(double)

static PyObject *
softmax_shift(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a;
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "softmax_shift() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    double floor = PyFloat_AsDouble(args[4]);
    if (floor == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (parse_arrays("softmax_shift", args, "mmmb", "rwww", &a) < 0) {
        return NULL;
    }
    if (a.cols == 0) {
        PyErr_SetString(PyExc_ValueError, "softmax_shift(): argument 0 must have columns");
        release_buffers(a.b, 4);
        return NULL;
    }
    DISPATCH(a, softmax_shift, a.b[0].buf, a.b[1].buf, a.b[2].buf, a.b[3].buf, floor);
    release_buffers(a.b, 4);
    Py_RETURN_NONE;
}

static PyObject *
softmax_ce_sparse(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a;
    if (parse_array_args("softmax_ce_sparse", args, nargs, "mrrmlsmr", "rrrrrrww", &a) < 0) {
        return NULL;
    }
    const int64_t *labels = a.b[4].buf;
    for (Py_ssize_t i = 0; i < a.rows; i++) {
        if (labels[i] < 0 || labels[i] >= a.cols) {
            PyErr_Format(PyExc_ValueError, "softmax_ce_sparse(): label %lld of row %zd is not in "
                         "[0, %zd)", (long long)labels[i], i, a.cols);
            release_buffers(a.b, 8);
            return NULL;
        }
    }
    Py_ssize_t step = a.b[5].ndim == 1 && a.b[5].shape[0] == a.rows && a.rows > 1 ? 1 : 0;
    DISPATCH(a, softmax_ce_sparse, a.b[0].buf, a.b[1].buf, a.b[2].buf, a.b[3].buf, labels,
             a.b[5].buf, step, a.b[6].buf, a.b[7].buf);
    release_buffers(a.b, 8);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"softmax_shift", (PyCFunction)(void (*)(void))softmax_shift, METH_FASTCALL,
     "softmax_shift(z, shifted, exps, keep, floor): shifted = z - rowmax(z); keep = not "
     "shifted < floor; exps = 0 where not keep."},
    {"softmax_ce_sparse", (PyCFunction)(void (*)(void))softmax_ce_sparse, METH_FASTCALL,
     "softmax_ce_sparse(exps, totals, log_totals, shifted, labels, scale, delta, losses): "
     "delta = (exps / totals - onehot(labels)) * scale; losses = log_totals - "
     "shifted[labels]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_softmax_cross_entropy",
    "The softmax cross-entropy's passes around NumPy's exp, sum and log, bitwise NumPy's.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__softmax_cross_entropy(void)
{
    return PyModule_Create(&module);
}
