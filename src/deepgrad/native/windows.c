/* Windows over channels-last images (n, h, w, c): max pooling's two passes and a convolution's
 * col2im (see ops/pooling.py and ops/convolution.py).
 *
 * max_pool_forward:  out = the maximum of each window, argmax = the offset k = i*pool_w + j
 *                    holding it, the first on ties          (NumPy: MaxPool.forward's walk over k:
 *                                                             out = part₀; then better = part > out,
 *                                                             out = np.maximum(out, part),
 *                                                             argmax = max(argmax, better*k))
 * max_pool_backward: each window's gradient at its argmax    (NumPy: MaxPool.backward: for each k,
 *                    offset, grad * (argmax == k) there       grad * (argmax == k) written there when
 *                                                             the windows are disjoint, added there
 *                                                             when they overlap)
 * add_windows:       col2im: each gathered row's entries      (NumPy: scatter's loop: for each
 *                    added back where they were gathered      offset (i, j) in order,
 *                                                             out[:, rows, cols] += fields[..., i, j])
 *
 * Each repeats NumPy's float operations in NumPy's order, so results are bitwise NumPy's:
 * np.maximum(a, b) is a where a is NaN, else a where a > b, else b (so b on ties, which matters
 * for signed zeros, and the first NaN met stays, payload and all); the gradient mask multiplies
 * by 1 or 0 (grad * 0 keeps grad's sign, NaN and inf give NaN); every element of the col2im
 * output receives its contributions in the order of the kernel offsets, as NumPy adds them (the
 * loops run image by image, offsets outermost within an image, so that an image's gradient
 * stays in cache). Compiled with -ffp-contract=off, never -ffast-math.
 *
 * One thing is not reproduced: where an addition meets two NaNs of different bits (the added
 * gradients of overlapping windows, col2im), which one it keeps depends on the order in which
 * the compiler (NumPy's, or this one) puts the operands of the commutative addition; the result
 * is NaN either way.
 */
#include "kernels_common.h"
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict
#endif

#define WINDOW_LOOPS(T)                                                                       \
    static void CLONES max_pool_forward_##T(                                                  \
        Py_ssize_t n, Py_ssize_t hp, Py_ssize_t wp, Py_ssize_t c, Py_ssize_t oh,              \
        Py_ssize_t ow, Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t sh, Py_ssize_t sw,            \
        const T *restrict xp, T *restrict out, uint8_t *restrict argmax)                      \
    {                                                                                         \
        for (Py_ssize_t b = 0; b < n; b++) {                                                  \
            for (Py_ssize_t y = 0; y < oh; y++) {                                             \
                for (Py_ssize_t x = 0; x < ow; x++) {                                         \
                    const T *corner = xp + ((b * hp + y * sh) * wp + x * sw) * c;             \
                    Py_ssize_t at = ((b * oh + y) * ow + x) * c;                              \
                    T *o = out + at;                                                          \
                    uint8_t *a = argmax + at;                                                 \
                    memcpy(o, corner, (size_t)c * sizeof(T));                                 \
                    memset(a, 0, (size_t)c);                                                  \
                    for (Py_ssize_t i = 0; i < ph; i++) {                                     \
                        for (Py_ssize_t j = (i == 0); j < pw; j++) {                          \
                            const T *p = corner + (i * wp + j) * c;                           \
                            uint8_t k = (uint8_t)(i * pw + j);                                \
                            for (Py_ssize_t ch = 0; ch < c; ch++) {                           \
                                T v = p[ch], m = o[ch];                                       \
                                a[ch] = v > m ? k : a[ch];                                    \
                                o[ch] = (m != m || m > v) ? m : v;                            \
                            }                                                                 \
                        }                                                                     \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES max_pool_backward_##T(                                                 \
        Py_ssize_t n, Py_ssize_t hp, Py_ssize_t wp, Py_ssize_t c, Py_ssize_t oh,              \
        Py_ssize_t ow, Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t sh, Py_ssize_t sw,            \
        const T *restrict grad, const uint8_t *restrict argmax, T *restrict xp_grad)          \
    {                                                                                         \
        if (sh >= ph && sw >= pw) { /* disjoint: every covered position written once */      \
            for (Py_ssize_t b = 0; b < n; b++) {                                              \
                for (Py_ssize_t y = 0; y < oh; y++) {                                         \
                    for (Py_ssize_t x = 0; x < ow; x++) {                                     \
                        T *corner = xp_grad + ((b * hp + y * sh) * wp + x * sw) * c;          \
                        Py_ssize_t at = ((b * oh + y) * ow + x) * c;                          \
                        const T *g = grad + at;                                               \
                        const uint8_t *a = argmax + at;                                       \
                        for (Py_ssize_t i = 0; i < ph; i++) {                                 \
                            for (Py_ssize_t j = 0; j < pw; j++) {                             \
                                T *d = corner + (i * wp + j) * c;                             \
                                int k = (int)(i * pw + j);                                    \
                                for (Py_ssize_t ch = 0; ch < c; ch++) {                       \
                                    T mask = a[ch] == k ? (T)1 : (T)0;                        \
                                    d[ch] = g[ch] * mask;                                     \
                                }                                                             \
                            }                                                                 \
                        }                                                                     \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
            return;                                                                           \
        }                                                                                     \
        /* overlapping: added, offset after offset, as NumPy adds them */                     \
        for (Py_ssize_t b = 0; b < n; b++) {                                                  \
            for (Py_ssize_t i = 0; i < ph; i++) {                                             \
                for (Py_ssize_t j = 0; j < pw; j++) {                                         \
                    int k = (int)(i * pw + j);                                                \
                    for (Py_ssize_t y = 0; y < oh; y++) {                                     \
                        T *row = xp_grad + ((b * hp + y * sh + i) * wp + j) * c;              \
                        for (Py_ssize_t x = 0; x < ow; x++) {                                 \
                            T *d = row + x * sw * c;                                          \
                            Py_ssize_t at = ((b * oh + y) * ow + x) * c;                      \
                            const T *g = grad + at;                                           \
                            const uint8_t *a = argmax + at;                                   \
                            for (Py_ssize_t ch = 0; ch < c; ch++) {                           \
                                T mask = a[ch] == k ? (T)1 : (T)0; /* (vectorizes) */         \
                                d[ch] = d[ch] + g[ch] * mask;                                 \
                            }                                                                 \
                        }                                                                     \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES add_windows_##T(                                                       \
        Py_ssize_t n, Py_ssize_t hp, Py_ssize_t wp, Py_ssize_t c, Py_ssize_t oh,              \
        Py_ssize_t ow, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,            \
        Py_ssize_t dh, Py_ssize_t dw, const T *restrict cols, T *restrict xp_grad)            \
    {                                                                                         \
        Py_ssize_t width = kh * kw * c; /* of a row of cols */                                \
        for (Py_ssize_t b = 0; b < n; b++) {                                                  \
            const T *image_cols = cols + b * oh * ow * width;                                 \
            T *image = xp_grad + b * hp * wp * c;                                             \
            for (Py_ssize_t i = 0; i < kh; i++) {                                             \
                for (Py_ssize_t j = 0; j < kw; j++) {                                         \
                    const T *field = image_cols + (i * kw + j) * c;                           \
                    for (Py_ssize_t y = 0; y < oh; y++) {                                     \
                        T *row = image + ((i * dh + y * sh) * wp + j * dw) * c;               \
                        const T *src = field + y * ow * width;                                \
                        for (Py_ssize_t x = 0; x < ow; x++) {                                 \
                            T *d = row + x * sw * c;                                          \
                            const T *s = src + x * width;                                     \
                            for (Py_ssize_t ch = 0; ch < c; ch++) {                           \
                                d[ch] = d[ch] + s[ch];                                        \
                            }                                                                 \
                        }                                                                     \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }

WINDOW_LOOPS(float)
WINDOW_LOOPS(double)

/* Borrow args[i] as a C-contiguous buffer of `ndim` dimensions whose one-character format is in
 * `kinds` (writable when `write`); raises with the argument's position and `what` otherwise. */
static int
borrow(const char *name, PyObject *const *args, int i, int write, const char *kinds, int ndim,
       const char *what, Py_buffer *view)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (write ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(args[i], view, flags) < 0) {
        view->obj = NULL;
        return -1;
    }
    const char *f = view->format;
    char kind = f[0] != '\0' && f[1] == '\0' ? f[0] : 0;
    if (kind == 0 || strchr(kinds, kind) == NULL || view->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s(): argument %d must be a contiguous array %s", name, i,
                     what);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

/* args[first..first+count) as sizes of at least `least` each; raises naming the argument. */
static int
sizes(const char *name, PyObject *const *args, int first, int count, Py_ssize_t least,
      Py_ssize_t *out)
{
    for (int i = 0; i < count; i++) {
        Py_ssize_t v = PyNumber_AsSsize_t(args[first + i], PyExc_OverflowError);
        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (v < least) {
            PyErr_Format(PyExc_ValueError, "%s(): argument %d must be at least %zd; got %zd", name,
                         first + i, least, v);
            return -1;
        }
        out[i] = v;
    }
    return 0;
}

static int
same_shape(const Py_buffer *v, Py_ssize_t d0, Py_ssize_t d1, Py_ssize_t d2, Py_ssize_t d3)
{
    return v->shape[0] == d0 && v->shape[1] == d1 && v->shape[2] == d2 && v->shape[3] == d3;
}

#define CHECK_ARGS(name, k)                                                                   \
    if (nargs != (k)) {                                                                       \
        PyErr_Format(PyExc_TypeError, name "() takes %d arguments (%zd given)", (k), nargs);  \
        return NULL;                                                                          \
    }

#define FAIL(...)                                                                             \
    do {                                                                                      \
        PyErr_Format(PyExc_ValueError, __VA_ARGS__);                                          \
        goto done;                                                                            \
    } while (0)

/* The image argument (0) and the sizes of both max-pooling kernels: pool, then strides. */
static int
pool_arguments(const char *name, PyObject *const *args, Py_ssize_t *window)
{
    if (sizes(name, args, 3, 4, 1, window) < 0) {
        return -1;
    }
    if (window[0] * window[1] > 256) {
        PyErr_Format(PyExc_ValueError,
                     "%s(): the pool has %zd offsets; argmax, of type uint8, numbers at most 256",
                     name, window[0] * window[1]);
        return -1;
    }
    return 0;
}

static PyObject *
max_pool_forward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *name = "max_pool_forward";
    CHECK_ARGS("max_pool_forward", 7);
    Py_ssize_t w[4]; /* pool_h, pool_w, stride_h, stride_w */
    if (pool_arguments(name, args, w) < 0) {
        return NULL;
    }
    Py_buffer v[3] = {{0}};
    PyObject *result = NULL;
    if (borrow(name, args, 0, 0, "fd", 4, "of float32 or float64, (n, h, w, c)", &v[0]) < 0 ||
        borrow(name, args, 1, 1, "fd", 4, "of float32 or float64, (n, out_h, out_w, c)", &v[1]) <
            0 ||
        borrow(name, args, 2, 1, "B", 4, "of uint8, (n, out_h, out_w, c)", &v[2]) < 0) {
        goto done;
    }
    Py_ssize_t n = v[0].shape[0], hp = v[0].shape[1], wp = v[0].shape[2], c = v[0].shape[3];
    if (w[0] > hp || w[1] > wp) {
        FAIL("%s(): the pool (%zd, %zd) is larger than the image (%zd, %zd)", name, w[0], w[1], hp,
             wp);
    }
    Py_ssize_t oh = (hp - w[0]) / w[2] + 1, ow = (wp - w[1]) / w[3] + 1;
    if (v[1].format[0] != v[0].format[0] || !same_shape(&v[1], n, oh, ow, c)) {
        FAIL("%s(): argument 1 must have argument 0's dtype and the shape (%zd, %zd, %zd, %zd)",
             name, n, oh, ow, c);
    }
    if (!same_shape(&v[2], n, oh, ow, c)) {
        FAIL("%s(): argument 2 must have the shape (%zd, %zd, %zd, %zd)", name, n, oh, ow, c);
    }
    Py_BEGIN_ALLOW_THREADS
    if (v[0].format[0] == 'f') {
        max_pool_forward_float(n, hp, wp, c, oh, ow, w[0], w[1], w[2], w[3], v[0].buf, v[1].buf,
                               v[2].buf);
    }
    else {
        max_pool_forward_double(n, hp, wp, c, oh, ow, w[0], w[1], w[2], w[3], v[0].buf, v[1].buf,
                                v[2].buf);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release_buffers(v, 3);
    return result;
}

static PyObject *
max_pool_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *name = "max_pool_backward";
    CHECK_ARGS("max_pool_backward", 7);
    Py_ssize_t w[4];
    if (pool_arguments(name, args, w) < 0) {
        return NULL;
    }
    Py_buffer v[3] = {{0}};
    PyObject *result = NULL;
    if (borrow(name, args, 0, 0, "fd", 4, "of float32 or float64, (n, out_h, out_w, c)", &v[0]) <
            0 ||
        borrow(name, args, 1, 0, "B", 4, "of uint8, (n, out_h, out_w, c)", &v[1]) < 0 ||
        borrow(name, args, 2, 1, "fd", 4, "of float32 or float64, (n, h, w, c)", &v[2]) < 0) {
        goto done;
    }
    Py_ssize_t n = v[2].shape[0], hp = v[2].shape[1], wp = v[2].shape[2], c = v[2].shape[3];
    if (w[0] > hp || w[1] > wp) {
        FAIL("%s(): the pool (%zd, %zd) is larger than the image (%zd, %zd)", name, w[0], w[1], hp,
             wp);
    }
    Py_ssize_t oh = (hp - w[0]) / w[2] + 1, ow = (wp - w[1]) / w[3] + 1;
    if (!same_shape(&v[0], n, oh, ow, c)) {
        FAIL("%s(): argument 0 must have the shape (%zd, %zd, %zd, %zd), argument 2's windows",
             name, n, oh, ow, c);
    }
    if (!same_shape(&v[1], n, oh, ow, c)) {
        FAIL("%s(): argument 1 must have the shape (%zd, %zd, %zd, %zd)", name, n, oh, ow, c);
    }
    if (v[2].format[0] != v[0].format[0]) {
        FAIL("%s(): argument 2 must have argument 0's dtype", name);
    }
    Py_BEGIN_ALLOW_THREADS
    if (v[0].format[0] == 'f') {
        max_pool_backward_float(n, hp, wp, c, oh, ow, w[0], w[1], w[2], w[3], v[0].buf, v[1].buf,
                                v[2].buf);
    }
    else {
        max_pool_backward_double(n, hp, wp, c, oh, ow, w[0], w[1], w[2], w[3], v[0].buf, v[1].buf,
                                 v[2].buf);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release_buffers(v, 3);
    return result;
}

static PyObject *
add_windows(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *name = "add_windows";
    CHECK_ARGS("add_windows", 10);
    Py_ssize_t s[8]; /* kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, out_h, out_w */
    if (sizes(name, args, 2, 6, 1, s) < 0 || sizes(name, args, 8, 2, 0, s + 6) < 0) {
        return NULL;
    }
    Py_buffer v[2] = {{0}};
    PyObject *result = NULL;
    if (borrow(name, args, 0, 0, "fd", 2,
               "of float32 or float64, (n*out_h*out_w, kernel_h*kernel_w*c)", &v[0]) < 0 ||
        borrow(name, args, 1, 1, "fd", 4, "of float32 or float64, (n, h, w, c)", &v[1]) < 0) {
        goto done;
    }
    Py_ssize_t n = v[1].shape[0], hp = v[1].shape[1], wp = v[1].shape[2], c = v[1].shape[3];
    Py_ssize_t kh = s[0], kw = s[1], sh = s[2], sw = s[3], dh = s[4], dw = s[5], oh = s[6],
               ow = s[7];
    if (v[1].format[0] != v[0].format[0]) {
        FAIL("%s(): argument 1 must have argument 0's dtype", name);
    }
    if (v[0].shape[0] != n * oh * ow || v[0].shape[1] != kh * kw * c) {
        FAIL("%s(): argument 0 must have the shape (%zd, %zd): n*out_h*out_w rows of "
             "kernel_h*kernel_w*c", name, n * oh * ow, kh * kw * c);
    }
    if (oh > 0 && ow > 0 &&
        ((oh - 1) * sh + (kh - 1) * dh >= hp || (ow - 1) * sw + (kw - 1) * dw >= wp)) {
        FAIL("%s(): the windows span (%zd, %zd), more than the image (%zd, %zd)", name,
             (oh - 1) * sh + (kh - 1) * dh + 1, (ow - 1) * sw + (kw - 1) * dw + 1, hp, wp);
    }
    Py_BEGIN_ALLOW_THREADS
    if (v[0].format[0] == 'f') {
        add_windows_float(n, hp, wp, c, oh, ow, kh, kw, sh, sw, dh, dw, v[0].buf, v[1].buf);
    }
    else {
        add_windows_double(n, hp, wp, c, oh, ow, kh, kw, sh, sw, dh, dw, v[0].buf, v[1].buf);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release_buffers(v, 2);
    return result;
}

static PyMethodDef methods[] = {
    {"max_pool_forward", (PyCFunction)(void (*)(void))max_pool_forward, METH_FASTCALL,
     "max_pool_forward(xp, out, argmax, pool_h, pool_w, stride_h, stride_w): the maximum of each "
     "window of xp (n, h, w, c) into out (n, out_h, out_w, c), and the offset i * pool_w + j "
     "holding it (the first, on ties) into argmax, uint8 of out's shape; out_h = (h - pool_h) // "
     "stride_h + 1, out_w likewise."},
    {"max_pool_backward", (PyCFunction)(void (*)(void))max_pool_backward, METH_FASTCALL,
     "max_pool_backward(grad, argmax, xp_grad, pool_h, pool_w, stride_h, stride_w): each window's "
     "grad * (argmax == k) at its offset k of xp_grad (n, h, w, c): written when the windows are "
     "disjoint (strides at least the pool; positions in no window are left as they are), added "
     "offset by offset when they overlap (xp_grad then starts as zeros)."},
    {"add_windows", (PyCFunction)(void (*)(void))add_windows, METH_FASTCALL,
     "add_windows(cols, xp_grad, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, "
     "out_h, out_w): col2im: each row of cols (n * out_h * out_w, kernel_h * kernel_w * c) added "
     "back, offset by offset, where its window of xp_grad (n, h, w, c) lies."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_windows",
    "Max pooling's passes and a convolution's col2im, bitwise equal to NumPy's.", -1, methods,
};

PyMODINIT_FUNC
PyInit__windows(void)
{
    return PyModule_Create(&module);
}
