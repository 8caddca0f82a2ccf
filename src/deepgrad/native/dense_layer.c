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

#define B(i) a.b[i].buf
ARRAY_KERNEL(bias_relu, "mV", "wr", bias_relu, B(0), B(1))
ARRAY_KERNEL(relu_backward, "mmmV", "rrww", relu_backward, B(0), B(1), B(2), B(3))

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
