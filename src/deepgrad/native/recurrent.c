/* The elementwise gate arithmetic of an LSTM step, forward and backward (see ops/recurrent.py,
 * LSTMSequence), around NumPy's own exp and tanh.
 *
 * lstm_gates_pre(z, xw, t, e):   z += xw[:, t] (all 4·u gate columns, Keras order i, f, c, o);
 *                                e = -|z| of the sigmoid gates i, f, o (3·u columns), 0 where
 *                                that lies below the exp floor (the caller takes e = exp(e))
 * lstm_cell(z, e, prev, state, tc, relu):
 *                                i, f, o = the stable sigmoid of z from e = e^{-|z|} (0 below the
 *                                floor): r = 1/(e + 1), e·r where z < 0 (as ops.stable.sigmoid);
 *                                with relu: g = max(g, 0); c = f·c_prev + i·g into state[:, u:],
 *                                and with relu also tc = max(c, 0) and h = o·tc into state[:, :u]
 *                                (with tanh the caller takes tanh(g) before, tanh(c) and h after)
 * lstm_backward(z, tc, prev, d, dz, dcf, relu):
 *                                the gate gradients of LSTMSequence._step_backward: dz_o =
 *                                ((dh·tc)·o)·(1 - o); dc += (dh·o)·act'(tc); dz_i = ((dc·g)·i)·(1 - i);
 *                                dz_f = ((dc·c_prev)·f)·(1 - f); dz_g = (dc·i)·act'(g); dcf = dc·f
 *
 * z is (n, 4u) (the step's gates), xw (n, steps, 4u), e (n, 3u), prev and state (n, 2u) (h then
 * c), tc (n, u), d (n, 2u) (dh then dc), dz (n, 4u), dcf (n, u); all C-contiguous, one dtype.
 * The operations are NumPy's, in NumPy's order, so the results are bitwise the NumPy path's.
 * Compiled with -ffp-contract=off, never -ffast-math.
 */
#include "kernels_common.h"
#include <math.h>

#define RELU(T, v) (((v) > 0 || (v) != (v)) ? (v) : (T)0)

#define LSTM_LOOPS(T, ABS, FLOOR)                                                             \
    static void CLONES lstm_gates_pre_##T(Py_ssize_t n, Py_ssize_t u, T *z, const T *xw,      \
                                          Py_ssize_t steps, Py_ssize_t t, T *e)               \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T *zi = z + i * 4 * u;                                                            \
            const T *xi = xw + (i * steps + t) * 4 * u;                                       \
            T *ei = e + i * 3 * u;                                                            \
            for (Py_ssize_t j = 0; j < 4 * u; j++) {                                          \
                zi[j] = zi[j] + xi[j];                                                        \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < 2 * u; j++) {                                          \
                T s = -ABS(zi[j]);                                                            \
                ei[j] = s < FLOOR ? (T)0 : s;                                                 \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < u; j++) {                                              \
                T s = -ABS(zi[3 * u + j]);                                                    \
                ei[2 * u + j] = s < FLOOR ? (T)0 : s;                                         \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static inline T sigmoid_from_##T(T x, T ev)                                               \
    {                                                                                         \
        T s = -ABS(x);                                                                        \
        T ex = s < FLOOR ? (T)0 : ev;                                                         \
        T r = (T)1 / (ex + (T)1);                                                             \
        return x < 0 ? ex * r : r;                                                            \
    }                                                                                         \
                                                                                              \
    static void CLONES lstm_cell_##T(Py_ssize_t n, Py_ssize_t u, T *z, const T *e,            \
                                     const T *prev, T *state, T *tc, int relu)                \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T *zi = z + i * 4 * u;                                                            \
            const T *ei = e + i * 3 * u, *pi = prev + i * 2 * u;                              \
            T *si = state + i * 2 * u, *ti = tc + i * u;                                      \
            for (Py_ssize_t j = 0; j < 2 * u; j++) {                                          \
                zi[j] = sigmoid_from_##T(zi[j], ei[j]);                                       \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < u; j++) {                                              \
                zi[3 * u + j] = sigmoid_from_##T(zi[3 * u + j], ei[2 * u + j]);               \
            }                                                                                 \
            if (relu) {                                                                       \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T g = zi[2 * u + j];                                                      \
                    zi[2 * u + j] = RELU(T, g);                                               \
                }                                                                             \
            }                                                                                 \
            for (Py_ssize_t j = 0; j < u; j++) {                                              \
                T c = zi[u + j] * pi[u + j];                                                  \
                T p = zi[j] * zi[2 * u + j];                                                  \
                si[u + j] = c + p;                                                            \
            }                                                                                 \
            if (relu) {                                                                       \
                for (Py_ssize_t j = 0; j < u; j++) {                                          \
                    T c = si[u + j];                                                          \
                    T a = RELU(T, c);                                                         \
                    ti[j] = a;                                                                \
                    si[j] = zi[3 * u + j] * a;                                                \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    static void CLONES lstm_backward_##T(Py_ssize_t n, Py_ssize_t u, const T *z, const T *tc, \
                                         const T *prev, const T *d, T *dz, T *dcf, int relu)  \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            const T *zi = z + i * 4 * u, *ti = tc + i * u, *pi = prev + i * 2 * u;            \
            const T *di = d + i * 2 * u;                                                      \
            T *dzi = dz + i * 4 * u, *dci = dcf + i * u;                                      \
            for (Py_ssize_t j = 0; j < u; j++) {                                              \
                T ig = zi[j], fg = zi[u + j], gg = zi[2 * u + j], og = zi[3 * u + j];         \
                T dh = di[j], dc = di[u + j], t = ti[j];                                      \
                dzi[3 * u + j] = ((dh * t) * og) * ((T)1 - og);                               \
                T a = dh * og;                                                                \
                T da = relu ? a * (t > 0 ? (T)1 : (T)0) : a * ((T)1 - t * t);                 \
                dc = dc + da;                                                                 \
                dzi[j] = ((dc * gg) * ig) * ((T)1 - ig);                                      \
                dzi[u + j] = ((dc * pi[u + j]) * fg) * ((T)1 - fg);                           \
                T b = dc * ig;                                                                \
                dzi[2 * u + j] = relu ? b * (gg > 0 ? (T)1 : (T)0) : b * ((T)1 - gg * gg);    \
                dci[j] = dc * fg;                                                             \
            }                                                                                 \
        }                                                                                     \
    }

LSTM_LOOPS(float, fabsf, -87.0f)
LSTM_LOOPS(double, fabs, -708.0)

/* Borrow args[0..k) as C-contiguous buffers of the first's dtype (float32 or float64), each of
 * ndims[i] dimensions with shape[i][..] (-1: any, taken from what is given). */
static int
borrow(const char *name, PyObject *const *args, int k, const char *access, const int *ndims,
       Py_ssize_t shapes[][3], Py_buffer *b, char *kind)
{
    memset(b, 0, sizeof(Py_buffer) * (size_t)k);
    for (int i = 0; i < k; i++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (access[i] == 'w' ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &b[i], flags) < 0) {
            release_buffers(b, k);
            return -1;
        }
        const char *f = b[i].format;
        char c = f[0] != '\0' && f[1] == '\0' ? f[0] : 0;
        if (i == 0) {
            *kind = c;
        }
        int ok = (c == 'f' || c == 'd') && c == *kind && b[i].ndim == ndims[i];
        for (int j = 0; ok && j < ndims[i]; j++) {
            ok = shapes[i][j] < 0 || b[i].shape[j] == shapes[i][j];
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError,
                         "%s(): argument %d must be a contiguous float32 or float64 array of the "
                         "first one's dtype and of the shape the step needs", name, i);
            release_buffers(b, k);
            return -1;
        }
    }
    return 0;
}

/* The rows n and units u of a gates matrix z (n, 4u). */
static int
gates_shape(const char *name, PyObject *z, Py_ssize_t *n, Py_ssize_t *u)
{
    Py_buffer b;
    if (PyObject_GetBuffer(z, &b, PyBUF_ND) < 0) {
        return -1;
    }
    int ok = b.ndim == 2 && b.shape[1] % 4 == 0;
    if (ok) {
        *n = b.shape[0];
        *u = b.shape[1] / 4;
    }
    PyBuffer_Release(&b);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s(): the gates must be a matrix (n, 4·units)", name);
        return -1;
    }
    return 0;
}

static PyObject *
lstm_gates_pre(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "lstm_gates_pre() takes 4 arguments");
        return NULL;
    }
    if (gates_shape("lstm_gates_pre", args[0], &n, &u) < 0) {
        return NULL;
    }
    Py_ssize_t t = PyLong_AsSsize_t(args[2]);
    if (t == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *arrays[3] = {args[0], args[1], args[3]};
    int ndims[3] = {2, 3, 2};
    Py_ssize_t shapes[3][3] = {{n, 4 * u, 0}, {n, -1, 4 * u}, {n, 3 * u, 0}};
    Py_buffer b[3];
    char kind;
    if (borrow("lstm_gates_pre", arrays, 3, "wrw", ndims, shapes, b, &kind) < 0) {
        return NULL;
    }
    Py_ssize_t steps = b[1].shape[1];
    if (t < 0 || t >= steps) {
        release_buffers(b, 3);
        PyErr_SetString(PyExc_IndexError, "lstm_gates_pre(): the step lies outside xw");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        lstm_gates_pre_float(n, u, b[0].buf, b[1].buf, steps, t, b[2].buf);
    }
    else {
        lstm_gates_pre_double(n, u, b[0].buf, b[1].buf, steps, t, b[2].buf);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 3);
    Py_RETURN_NONE;
}

static PyObject *
lstm_cell(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u;
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "lstm_cell() takes 6 arguments");
        return NULL;
    }
    if (gates_shape("lstm_cell", args[0], &n, &u) < 0) {
        return NULL;
    }
    int relu = PyObject_IsTrue(args[5]);
    if (relu < 0) {
        return NULL;
    }
    int ndims[5] = {2, 2, 2, 2, 2};
    Py_ssize_t shapes[5][3] = {{n, 4 * u}, {n, 3 * u}, {n, 2 * u}, {n, 2 * u}, {n, u}};
    Py_buffer b[5];
    char kind;
    if (borrow("lstm_cell", args, 5, "wrrww", ndims, shapes, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        lstm_cell_float(n, u, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, relu);
    }
    else {
        lstm_cell_double(n, u, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 5);
    Py_RETURN_NONE;
}

static PyObject *
lstm_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "lstm_backward() takes 7 arguments");
        return NULL;
    }
    if (gates_shape("lstm_backward", args[0], &n, &u) < 0) {
        return NULL;
    }
    int relu = PyObject_IsTrue(args[6]);
    if (relu < 0) {
        return NULL;
    }
    int ndims[6] = {2, 2, 2, 2, 2, 2};
    Py_ssize_t shapes[6][3] = {{n, 4 * u}, {n, u}, {n, 2 * u}, {n, 2 * u}, {n, 4 * u}, {n, u}};
    Py_buffer b[6];
    char kind;
    if (borrow("lstm_backward", args, 6, "rrrrww", ndims, shapes, b, &kind) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        lstm_backward_float(n, u, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, b[5].buf,
                            relu);
    }
    else {
        lstm_backward_double(n, u, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, b[5].buf,
                             relu);
    }
    Py_END_ALLOW_THREADS
    release_buffers(b, 6);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"lstm_gates_pre", (PyCFunction)(void (*)(void))lstm_gates_pre, METH_FASTCALL,
     "lstm_gates_pre(z, xw, t, e): z += xw[:, t]; e = -|z| of the gates i, f, o (n, 3u), 0 below "
     "the exp floor."},
    {"lstm_cell", (PyCFunction)(void (*)(void))lstm_cell, METH_FASTCALL,
     "lstm_cell(z, e, prev, state, tc, relu): the sigmoid gates from e = exp(-|z|), c = f*c_prev + "
     "i*g into state[:, u:]; with relu also g = max(g, 0), tc = max(c, 0), h = o*tc."},
    {"lstm_backward", (PyCFunction)(void (*)(void))lstm_backward, METH_FASTCALL,
     "lstm_backward(z, tc, prev, d, dz, dcf, relu): the LSTM step's gate gradients dz and the "
     "cell gradient carried back, dcf = dc*f."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_recurrent",
    "An LSTM step's gate arithmetic, forward and backward, bitwise equal to NumPy's passes.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__recurrent(void)
{
    return PyModule_Create(&module);
}
