/* What deepgrad's C kernel extensions share (see kernels.py): the Python headers, the
 * per-CPU vector clones of their loops, and the checked borrowing of their array arguments. */
#ifndef DEEPGRAD_CKERNELS_COMMON_H
#define DEEPGRAD_CKERNELS_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Wider vector units where the CPU has them, chosen once at load time (GCC on x86-64 Linux). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* Release the first `k` of `views`, those that hold a buffer. */
static void
release_buffers(Py_buffer *views, int k)
{
    for (int i = 0; i < k; i++) {
        if (views[i].obj != NULL) {
            PyBuffer_Release(&views[i]);
        }
    }
}

/* The array arguments of a kernel, borrowed as buffers. The first is a C-contiguous float32 or
 * float64 matrix (rows, cols); the others are measured against it. */
#define MAX_ARRAYS 8
typedef struct {
    Py_buffer b[MAX_ARRAYS];
    char kind; /* 'f' (float32) or 'd' (float64) */
    Py_ssize_t rows, cols;
} Arrays;

/* Borrow `args[0..strlen(shapes))` as C-contiguous buffers. shapes[i] says what argument i must
 * be: 'm' a matrix of the first's dtype and shape, 'v' a vector of its dtype, one value per
 * column, 'r' one value per row, 's' one per row or a single value, 'b' booleans of its shape,
 * 'l' one int64 per row; an upper-case letter allows None (left as an empty buffer). access[i]
 * is 'w' for an argument the kernel writes. Raises (returning -1) with the argument's position
 * and what it must be. */
static int
parse_arrays(const char *name, PyObject *const *args, const char *shapes, const char *access,
             Arrays *a)
{
    int k = (int)strlen(shapes);
    memset(a->b, 0, sizeof(a->b));
    for (int i = 0; i < k; i++) {
        char shape = shapes[i];
        if (shape >= 'A' && shape <= 'Z') {
            if (args[i] == Py_None) {
                continue;
            }
            shape = (char)(shape - 'A' + 'a');
        }
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (access[i] == 'w' ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &a->b[i], flags) < 0) {
            release_buffers(a->b, k);
            return -1;
        }
        Py_buffer *b = &a->b[i];
        const char *f = b->format;
        char kind = f[0] != '\0' && f[1] == '\0' ? f[0] : 0;
        int ok;
        const char *what;
        if (i == 0) {
            ok = (kind == 'f' || kind == 'd') && b->ndim == 2;
            a->kind = kind;
            a->rows = ok ? b->shape[0] : 0;
            a->cols = ok ? b->shape[1] : 0;
            what = "be a float32 or float64 matrix of two dimensions";
        }
        else if (shape == 'm' || shape == 'b') {
            ok = (shape == 'm' ? kind == a->kind : (kind == '?' || kind == 'B')) && b->ndim == 2 &&
                 b->shape[0] == a->rows && b->shape[1] == a->cols;
            what = shape == 'm' ? "have the first one's dtype and shape"
                                : "hold booleans in the first one's shape";
        }
        else if (shape == 'v') {
            ok = kind == a->kind && b->ndim == 1 && b->shape[0] == a->cols;
            what = "have the first one's dtype and its column count";
        }
        else if (shape == 'l') {
            ok = (kind == 'l' || kind == 'q') && b->itemsize == 8 && b->ndim == 1 &&
                 b->shape[0] == a->rows;
            what = "hold one int64 per row of the first one";
        }
        else { /* 'r' or 's' */
            ok = kind == a->kind && b->ndim <= 1 &&
                 (b->ndim == 1 ? b->shape[0] == a->rows || (shape == 's' && b->shape[0] == 1)
                               : shape == 's');
            what = "have the first one's dtype and one value per row";
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError, "%s(): argument %d must be a contiguous array and %s",
                         name, i, what);
            release_buffers(a->b, k);
            return -1;
        }
    }
    return 0;
}

/* parse_arrays for a kernel whose arguments are exactly those arrays: their count checked too. */
static int
parse_array_args(const char *name, PyObject *const *args, Py_ssize_t nargs, const char *shapes,
                 const char *access, Arrays *a)
{
    Py_ssize_t k = (Py_ssize_t)strlen(shapes);
    if (nargs != k) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, k, nargs);
        return -1;
    }
    return parse_arrays(name, args, shapes, access, a);
}

/* Run `loop`'s float or double version on the arrays `a` (without the GIL). */
#define DISPATCH(a, loop, ...)                                                                \
    do {                                                                                      \
        Py_BEGIN_ALLOW_THREADS                                                                \
        if ((a).kind == 'f') {                                                                \
            loop##_float((a).rows, (a).cols, __VA_ARGS__);                                    \
        }                                                                                     \
        else {                                                                                \
            loop##_double((a).rows, (a).cols, __VA_ARGS__);                                   \
        }                                                                                     \
        Py_END_ALLOW_THREADS                                                                  \
    } while (0)

/* A kernel function `name(arrays...)` that checks its arguments against `shapes` and `access`
 * (see parse_arrays), runs `loop` on them and returns None. */
#define ARRAY_KERNEL(name, shapes, access, loop, ...)                                         \
    static PyObject *name(PyObject *self, PyObject *const *args, Py_ssize_t nargs)            \
    {                                                                                         \
        Arrays a;                                                                             \
        if (parse_array_args(#name, args, nargs, shapes, access, &a) < 0) {                   \
            return NULL;                                                                      \
        }                                                                                     \
        DISPATCH(a, loop, __VA_ARGS__);                                                       \
        release_buffers(a.b, (int)strlen(shapes));                                            \
        Py_RETURN_NONE;                                                                       \
    }

#endif
