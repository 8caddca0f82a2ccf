/* Batch normalization's passes over a (rows, features) matrix (see ops/normalization.py).
 *
 * batch_norm_statistics: mean = Σ_i x / rows; centered = x - mean;   (NumPy: x.sum(axis=0) / rows,
 *                        variance = Σ_i centered² / rows               x - mean, (c * c).sum(axis=0) / rows)
 * batch_norm_scale:      normalized = centered / std;                 (NumPy: centered / std, then
 *                        out = normalized · gamma + beta               * gamma, + beta)
 * batch_norm_sums:       Σ_i grad and Σ_i grad · normalized           (NumPy: grad.sum(axis=0),
 *                                                                      (grad * normalized).sum(axis=0))
 * batch_norm_input_grad: s = grad · gamma; dx = ((s - mean_grad)      (NumPy: the same, in this order)
 *                        - normalized · mean_product) · inverse_std
 *
 * gamma, beta, mean_grad and mean_product may be None (left out). Each repeats NumPy's float
 * operations in NumPy's order, so results are bitwise NumPy's: a column sum over axis 0 starts
 * from +0 and adds the rows in order, as NumPy sums a C-contiguous matrix of two or more columns
 * (a single column it sums pairwise: the caller leaves that one to NumPy). Compiled with
 * -ffp-contract=off, never -ffast-math.
 */
#include "kernels_common.h"

#define BATCH_NORM_LOOPS(T)                                                                   \
    static inline void column_sums_##T(Py_ssize_t rows, Py_ssize_t cols, const T *x, const T *y,\
                                T *sum_x, T *sum_xy)                                          \
    {                                                                                         \
        memset(sum_x, 0, (size_t)cols * sizeof(T));                                           \
        if (sum_xy != NULL) {                                                                 \
            memset(sum_xy, 0, (size_t)cols * sizeof(T));                                      \
        }                                                                                     \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *xi = x + i * cols;                                                       \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                sum_x[j] = sum_x[j] + xi[j];                                                  \
            }                                                                                 \
            if (sum_xy == NULL) {                                                             \
                continue;                                                                     \
            }                                                                                 \
            const T *yi = y + i * cols;                                                       \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                sum_xy[j] = sum_xy[j] + xi[j] * yi[j];                                        \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES statistics_##T(Py_ssize_t rows, Py_ssize_t cols, const T *x, T *mean,  \
                                      T *variance, T *centered)                               \
    {                                                                                         \
        column_sums_##T(rows, cols, x, NULL, mean, NULL);                                     \
        for (Py_ssize_t j = 0; j < cols; j++) {                                               \
            mean[j] = mean[j] / (T)rows;                                                      \
        }                                                                                     \
        memset(variance, 0, (size_t)cols * sizeof(T));                                        \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *xi = x + i * cols;                                                       \
            T *ci = centered + i * cols;                                                      \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T c = xi[j] - mean[j];                                                        \
                ci[j] = c;                                                                    \
                variance[j] = variance[j] + c * c;                                            \
            }                                                                                 \
        }                                                                                     \
        for (Py_ssize_t j = 0; j < cols; j++) {                                               \
            variance[j] = variance[j] / (T)rows;                                              \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES scale_##T(Py_ssize_t rows, Py_ssize_t cols, const T *centered,         \
                                 const T *std, const T *gamma, const T *beta, T *normalized,  \
                                 T *out)                                                      \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *ci = centered + i * cols;                                                \
            T *ni = normalized + i * cols, *oi = out + i * cols;                              \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T n = ci[j] / std[j];                                                         \
                T o = gamma ? n * gamma[j] : n;                                               \
                ni[j] = n;                                                                    \
                oi[j] = beta ? o + beta[j] : o;                                               \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES sums_##T(Py_ssize_t rows, Py_ssize_t cols, const T *grad,              \
                                const T *normalized, T *sum_grad, T *sum_product)             \
    {                                                                                         \
        column_sums_##T(rows, cols, grad, normalized, sum_grad, sum_product);                 \
    }                                                                                         \
                                                                                              \
    static void CLONES input_grad_##T(Py_ssize_t rows, Py_ssize_t cols, const T *grad,        \
                                      const T *normalized, const T *gamma,                    \
                                      const T *mean_grad, const T *mean_product,              \
                                      const T *inverse_std, T *dx)                            \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < rows; i++) {                                               \
            const T *gi = grad + i * cols, *ni = normalized + i * cols;                       \
            T *di = dx + i * cols;                                                            \
            for (Py_ssize_t j = 0; j < cols; j++) {                                           \
                T s = gamma ? gi[j] * gamma[j] : gi[j];                                       \
                if (mean_grad != NULL) {                                                      \
                    s = (s - mean_grad[j]) - ni[j] * mean_product[j];                         \
                }                                                                             \
                di[j] = s * inverse_std[j];                                                   \
            }                                                                                 \
        }                                                                                     \
    }

BATCH_NORM_LOOPS(float)
BATCH_NORM_LOOPS(double)

#define B(i) a.b[i].buf
ARRAY_KERNEL(batch_norm_statistics, "mvvm", "rwww", statistics, B(0), B(1), B(2), B(3))
ARRAY_KERNEL(batch_norm_scale, "mvVVmm", "rrrrww", scale, B(0), B(1), B(2), B(3), B(4), B(5))
ARRAY_KERNEL(batch_norm_sums, "mmvv", "rrww", sums, B(0), B(1), B(2), B(3))

static PyObject *
batch_norm_input_grad(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a;
    if (parse_array_args("batch_norm_input_grad", args, nargs, "mmVVVvm", "rrrrrrw", &a) < 0) {
        return NULL;
    }
    if ((a.b[3].obj == NULL) != (a.b[4].obj == NULL)) {
        PyErr_SetString(PyExc_ValueError,
                        "batch_norm_input_grad(): mean_grad and mean_product are both None or neither");
        release_buffers(a.b, 7);
        return NULL;
    }
    DISPATCH(a, input_grad, B(0), B(1), B(2), B(3), B(4), B(5), B(6));
    release_buffers(a.b, 7);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"batch_norm_statistics", (PyCFunction)(void (*)(void))batch_norm_statistics, METH_FASTCALL,
     "batch_norm_statistics(x, mean, variance, centered): column means of x, centered = x - mean, "
     "variance = column means of centered squared."},
    {"batch_norm_scale", (PyCFunction)(void (*)(void))batch_norm_scale, METH_FASTCALL,
     "batch_norm_scale(centered, std, gamma, beta, normalized, out): normalized = centered / std, "
     "out = normalized * gamma + beta; gamma and beta may be None."},
    {"batch_norm_sums", (PyCFunction)(void (*)(void))batch_norm_sums, METH_FASTCALL,
     "batch_norm_sums(grad, normalized, sum_grad, sum_product): column sums of grad and of "
     "grad * normalized."},
    {"batch_norm_input_grad", (PyCFunction)(void (*)(void))batch_norm_input_grad, METH_FASTCALL,
     "batch_norm_input_grad(grad, normalized, gamma, mean_grad, mean_product, inverse_std, dx): "
     "dx = ((grad * gamma - mean_grad) - normalized * mean_product) * inverse_std; gamma, and "
     "mean_grad with mean_product, may be None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_batch_norm",
    "Batch normalization's passes, bitwise equal to NumPy's.", -1, methods,
};

PyMODINIT_FUNC
PyInit__batch_norm(void)
{
    return PyModule_Create(&module);
}
