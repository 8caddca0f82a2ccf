/* One step of a SimpleRNN, an LSTM or a GRU, forward and backward, each in one pass over the
 * step's gates (see ops/recurrent.py, ops/lstm.py and ops/gru.py, whose NumPy steps these
 * kernels compute). The step's GEMM
 * with the recurrent kernel runs before the kernel (forward) or after it (backward), in NumPy.
 *
 * simple_rnn_step(xw, t, states, k, keep, relu)
 *     states[:, k + 1] holds h_k @ R on entry; h = act(it + xw[:, t]) there (masked rows:
 *     states[:, k] carried over).
 * simple_rnn_step_backward(d_pre, t, states, k, grad, dh, direct, rmask, keep, relu)
 *     d = grad[:, k] + dh·rmask + direct; d·act'(h) into d_pre[:, t], direct = 0 (masked rows:
 *     zeros and direct = d).
 * lstm_step(z, xw, t, states, k, tc, keep, relu)
 *     z holds h_k @ R on entry; a = z + xw[:, t]; i, f, o = sigmoid(a), g = act(a) into z;
 *     c = f·c_k + i·g, tc = act(c), h = o·tc into states[:, k + 1]; rows whose keep[:, t] is
 *     false carry states[:, k] over instead.
 * lstm_step_backward(z, tc, states, k, grad, dh, direct, dc, rmask, keep, t, d_pre, relu)
 *     the state's gradient d_h = grad[:, k, :u] + dh·rmask + direct, d_c = grad[:, k, u:] + dc;
 *     the gate gradients into d_pre[:, t]; dc = d_c·f and direct = 0 for the next step down
 *     (masked rows: zero gate gradients, dc = d_c and direct = d_h, passed on unchanged).
 * gru_step(z, inner, bias, xw, t, states, k, keep, relu)
 *     inner holds h_k @ R on entry and gets the bias added (inner = h_k @ R + b);
 *     z, r = sigmoid(xw_zr + inner_zr), h̃ = act(xw_h + r·inner_h) into z;
 *     h = z·h_k + (1 − z)·h̃ into states[:, k + 1] (masked rows carry h_k over).
 * gru_step_backward(z, inner, states, k, grad, dh, direct, rmask, keep, t, d_pre, d_rec, relu)
 *     d = grad[:, k] + dh·rmask + direct; the input-side gate gradients into d_pre[:, t], the
 *     recurrent side's into d_rec[:, t], direct = d·z (masked rows: zeros and direct = d).
 *
 * Shapes: z (n, G·u) for G = 4 (LSTM) or 3 (GRU) (1: SimpleRNN), xw and d_pre (n, S, G·u),
 * d_rec (n, S, 3u),
 * states (n, S + 1, P·u) (P = 2 for the LSTM's h and c, else 1), grad (n, S, P·u), tc, dh,
 * direct, dc and rmask (n, u), keep (n, S) booleans, bias (3u); all C-contiguous, one float
 * dtype; rmask and keep may be None. act is tanh, or ReLU when relu is true.
 *
 * The sigmoid and tanh come from gate_math.h (within a few units in the last place of NumPy's),
 * the loops from recurrent_steps.h.
 */
#include "kernels_common.h"
#include "recurrent_steps.h"

/* One array argument: C-contiguous, `ndim` dimensions of sizes `dims` (−1: any), of the
 * kernel's float dtype (or booleans, `boolean`); None allowed where `optional`. */
typedef struct {
    int ndim;
    Py_ssize_t dims[3];
    char write, optional, boolean;
} Spec;

/* Borrow the arrays `args[index[i]]` for the specs; `*kind` is the first one's dtype. */
static int
borrow(const char *name, PyObject *const *args, const int *index, const Spec *spec, int k,
       Py_buffer *b, char *kind)
{
    memset(b, 0, sizeof(Py_buffer) * (size_t)k);
    for (int i = 0; i < k; i++) {
        PyObject *arg = args[index[i]];
        if (spec[i].optional && arg == Py_None) {
            continue;
        }
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (spec[i].write ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(arg, &b[i], flags) < 0) {
            release_buffers(b, k);
            return -1;
        }
        const char *f = b[i].format;
        char c = f[0] != '\0' && f[1] == '\0' ? f[0] : 0;
        if (i == 0) {
            *kind = c;
        }
        int ok = spec[i].boolean ? (c == '?' || c == 'B') && b[i].itemsize == 1
                                 : (c == 'f' || c == 'd') && c == *kind;
        ok = ok && b[i].ndim == spec[i].ndim;
        for (int j = 0; ok && j < spec[i].ndim; j++) {
            ok = spec[i].dims[j] < 0 || b[i].shape[j] == spec[i].dims[j];
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError,
                         "%s(): argument %d must be a contiguous %s array of the shape the "
                         "step needs", name, index[i],
                         spec[i].boolean ? "boolean"
                                         : "float32 or float64 (the first one's dtype)");
            release_buffers(b, k);
            return -1;
        }
    }
    return 0;
}

/* The rows n and units u of a kernel's first argument: gates (n, groups·u), or a sequence
 * (n, steps, groups·u) for the SimpleRNN's kernels (whose exact shape borrow() checks after). */
static int
matrix_shape(const char *name, PyObject *m, Py_ssize_t groups, Py_ssize_t *n, Py_ssize_t *u)
{
    Py_buffer b;
    if (PyObject_GetBuffer(m, &b, PyBUF_ND) < 0) {
        return -1;
    }
    Py_ssize_t width = b.ndim == 2 || b.ndim == 3 ? b.shape[b.ndim - 1] : 0;
    int ok = width > 0 && width % groups == 0;
    if (ok) {
        *n = b.shape[0];
        *u = width / groups;
    }
    PyBuffer_Release(&b);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s(): the gates must be a matrix (n, %zd*units)", name,
                     groups);
        return -1;
    }
    return 0;
}

static int
steps_of(PyObject *a, Py_ssize_t *S)
{
    Py_buffer b;
    if (PyObject_GetBuffer(a, &b, PyBUF_ND) < 0) {
        return -1;
    }
    *S = b.ndim == 3 ? b.shape[1] : -1;
    PyBuffer_Release(&b);
    return 0;
}

static int
step_index(const char *name, PyObject *arg, Py_ssize_t S, Py_ssize_t *out)
{
    *out = PyLong_AsSsize_t(arg);
    if (*out == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*out < 0 || *out >= S) {
        PyErr_Format(PyExc_IndexError, "%s(): step %zd lies outside the %zd steps", name, *out, S);
        return -1;
    }
    return 0;
}

/* Parse a kernel call: nargs checked, n and u from args[0] (groups gates), S from
 * args[steps_arg], the step indices at args[k_arg] and args[t_arg], the relu flag last. */
static int
parse_step(const char *name, PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected,
           Py_ssize_t groups, int steps_arg, int k_arg, int t_arg, Py_ssize_t *n, Py_ssize_t *u,
           Py_ssize_t *S, Py_ssize_t *k, Py_ssize_t *t, int *relu)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, expected,
                     nargs);
        return -1;
    }
    if (matrix_shape(name, args[0], groups, n, u) < 0 || steps_of(args[steps_arg], S) < 0) {
        return -1;
    }
    if (step_index(name, args[k_arg], *S, k) < 0 || step_index(name, args[t_arg], *S, t) < 0) {
        return -1;
    }
    *relu = PyObject_IsTrue(args[nargs - 1]);
    return *relu < 0 ? -1 : 0;
}

#define F(ndim, d0, d1, d2, w) {ndim, {d0, d1, d2}, w, 0, 0}
#define OPT(ndim, d0, d1, d2) {ndim, {d0, d1, d2}, 0, 1, 0}
#define KEEP(n, S) {2, {n, S, 0}, 0, 1, 1}
#define BUF(i) ((void *)b[i].buf)

/* Run the float or the double version of `loop` (without the GIL). */
#define RUN(kind, loop, ...)                                                                  \
    do {                                                                                      \
        Py_BEGIN_ALLOW_THREADS                                                                \
        if ((kind) == 'f') {                                                                  \
            loop##_float(__VA_ARGS__);                                                        \
        }                                                                                     \
        else {                                                                                \
            loop##_double(__VA_ARGS__);                                                       \
        }                                                                                     \
        Py_END_ALLOW_THREADS                                                                  \
    } while (0)

static PyObject *
simple_rnn_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("simple_rnn_step", args, nargs, 6, 1, 0, 3, 1, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[3] = {0, 2, 4};
    Spec spec[3] = {F(3, n, S, u, 0), F(3, n, S + 1, u, 1), KEEP(n, S)};
    Py_buffer b[3];
    char kind = 0;
    if (borrow("simple_rnn_step", args, index, spec, 3, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, simple_rnn_step, n, u, S, BUF(0), t, BUF(1), k, BUF(2), relu);
    release_buffers(b, 3);
    Py_RETURN_NONE;
}

static PyObject *
simple_rnn_step_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("simple_rnn_step_backward", args, nargs, 10, 1, 0, 3, 1, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[7] = {0, 2, 4, 5, 6, 7, 8};
    Spec spec[7] = {F(3, n, S, u, 1), F(3, n, S + 1, u, 0), F(3, n, S, u, 0), F(2, n, u, 0, 0),
                    F(2, n, u, 0, 1), OPT(2, n, u, 0), KEEP(n, S)};
    Py_buffer b[7];
    char kind = 0;
    if (borrow("simple_rnn_step_backward", args, index, spec, 7, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, simple_rnn_step_backward, n, u, S, BUF(0), t, BUF(1), k, BUF(2), BUF(3), BUF(4),
        BUF(5), BUF(6), relu);
    release_buffers(b, 7);
    Py_RETURN_NONE;
}

static PyObject *
lstm_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("lstm_step", args, nargs, 8, 4, 1, 4, 2, &n, &u, &S, &k, &t, &relu) < 0) {
        return NULL;
    }
    int index[5] = {0, 1, 3, 5, 6};
    Spec spec[5] = {F(2, n, 4 * u, 0, 1), F(3, n, S, 4 * u, 0), F(3, n, S + 1, 2 * u, 1),
                    F(2, n, u, 0, 1), KEEP(n, S)};
    Py_buffer b[5];
    char kind = 0;
    if (borrow("lstm_step", args, index, spec, 5, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, lstm_step, n, u, S, BUF(0), BUF(1), t, BUF(2), k, BUF(3), BUF(4), relu);
    release_buffers(b, 5);
    Py_RETURN_NONE;
}

static PyObject *
lstm_step_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("lstm_step_backward", args, nargs, 13, 4, 4, 3, 10, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[10] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 11};
    Spec spec[10] = {F(2, n, 4 * u, 0, 0), F(2, n, u, 0, 0), F(3, n, S + 1, 2 * u, 0),
                     F(3, n, S, 2 * u, 0), F(2, n, u, 0, 0), F(2, n, u, 0, 1), F(2, n, u, 0, 1),
                     OPT(2, n, u, 0), KEEP(n, S), F(3, n, S, 4 * u, 1)};
    Py_buffer b[10];
    char kind = 0;
    if (borrow("lstm_step_backward", args, index, spec, 10, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, lstm_step_backward, n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
        BUF(6), BUF(7), BUF(8), t, BUF(9), relu);
    release_buffers(b, 10);
    Py_RETURN_NONE;
}

static PyObject *
gru_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("gru_step", args, nargs, 9, 3, 3, 6, 4, &n, &u, &S, &k, &t, &relu) < 0) {
        return NULL;
    }
    int index[6] = {0, 1, 2, 3, 5, 7};
    Spec spec[6] = {F(2, n, 3 * u, 0, 1), F(2, n, 3 * u, 0, 1), F(1, 3 * u, 0, 0, 0),
                    F(3, n, S, 3 * u, 0), F(3, n, S + 1, u, 1), KEEP(n, S)};
    Py_buffer b[6];
    char kind = 0;
    if (borrow("gru_step", args, index, spec, 6, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, gru_step, n, u, S, BUF(0), BUF(1), BUF(2), BUF(3), t, BUF(4), k, BUF(5), relu);
    release_buffers(b, 6);
    Py_RETURN_NONE;
}

static PyObject *
gru_step_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, u, S, k, t;
    int relu;
    if (parse_step("gru_step_backward", args, nargs, 13, 3, 4, 3, 9, &n, &u, &S, &k, &t,
                   &relu) < 0) {
        return NULL;
    }
    int index[10] = {0, 1, 2, 4, 5, 6, 7, 8, 10, 11};
    Spec spec[10] = {F(2, n, 3 * u, 0, 0), F(2, n, 3 * u, 0, 0), F(3, n, S + 1, u, 0),
                     F(3, n, S, u, 0), F(2, n, u, 0, 0), F(2, n, u, 0, 1), OPT(2, n, u, 0),
                     KEEP(n, S), F(3, n, S, 3 * u, 1), F(3, n, S, 3 * u, 1)};
    Py_buffer b[10];
    char kind = 0;
    if (borrow("gru_step_backward", args, index, spec, 10, b, &kind) < 0) {
        return NULL;
    }
    RUN(kind, gru_step_backward, n, u, S, BUF(0), BUF(1), BUF(2), k, BUF(3), BUF(4), BUF(5),
        BUF(6), BUF(7), t, BUF(8), BUF(9), relu);
    release_buffers(b, 10);
    Py_RETURN_NONE;
}

/* exp(x) for x ≤ 0, sigmoid and tanh over an array: the functions the steps use, for tests. */
static PyObject *
gate_function(PyObject *const *args, Py_ssize_t nargs, const char *name, int which)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s() takes 2 arguments (x, out)", name);
        return NULL;
    }
    Py_buffer b[2];
    int index[2] = {0, 1};
    Spec spec[2] = {F(1, -1, 0, 0, 0), F(1, -1, 0, 0, 1)};
    char kind = 0;
    if (borrow(name, args, index, spec, 2, b, &kind) < 0) {
        return NULL;
    }
    if (b[0].shape[0] != b[1].shape[0]) {
        release_buffers(b, 2);
        PyErr_Format(PyExc_ValueError, "%s(): x and out differ in length", name);
        return NULL;
    }
    Py_ssize_t m = b[0].shape[0];
    if (kind == 'f') {
        const float *x = b[0].buf;
        float *y = b[1].buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            y[i] = which == 0   ? expneg_float(x[i])
                   : which == 1 ? sigmoid_float(x[i])
                                : tanh_float(x[i]);
        }
    }
    else {
        const double *x = b[0].buf;
        double *y = b[1].buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            y[i] = which == 0   ? expneg_double(x[i])
                   : which == 1 ? sigmoid_double(x[i])
                                : tanh_double(x[i]);
        }
    }
    release_buffers(b, 2);
    Py_RETURN_NONE;
}

static PyObject *
gate_expneg(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_expneg", 0);
}

static PyObject *
gate_sigmoid(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_sigmoid", 1);
}

static PyObject *
gate_tanh(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return gate_function(args, nargs, "gate_tanh", 2);
}

#define METHOD(name, doc) {#name, (PyCFunction)(void (*)(void))name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    METHOD(simple_rnn_step, "simple_rnn_step(xw, t, states, k, keep, relu): one SimpleRNN step "
                            "after its GEMM states[:, k + 1] = h_k @ R."),
    METHOD(simple_rnn_step_backward, "simple_rnn_step_backward(d_pre, t, states, k, grad, dh, "
                                     "direct, rmask, keep, relu): one SimpleRNN step of "
                                     "backpropagation through time, before its GEMM."),
    METHOD(lstm_step, "lstm_step(z, xw, t, states, k, tc, keep, relu): one LSTM step after "
                      "its GEMM z = h_k @ R."),
    METHOD(lstm_step_backward, "lstm_step_backward(z, tc, states, k, grad, dh, direct, dc, "
                               "rmask, keep, t, d_pre, relu): one LSTM step of backpropagation "
                               "through time, before its GEMM dh = d_pre[:, t] @ R.T."),
    METHOD(gru_step, "gru_step(z, inner, bias, xw, t, states, k, keep, relu): one GRU step "
                     "(reset after) after its GEMM inner = h_k @ R."),
    METHOD(gru_step_backward, "gru_step_backward(z, inner, states, k, grad, dh, direct, rmask, "
                              "keep, t, d_pre, d_rec, relu): one GRU step of backpropagation "
                              "through time, before its GEMM dh = d_rec[:, t] @ R.T."),
    METHOD(gate_expneg, "gate_expneg(x, out): the steps' e^x for x <= 0, over a vector."),
    METHOD(gate_sigmoid, "gate_sigmoid(x, out): the steps' sigmoid over a vector."),
    METHOD(gate_tanh, "gate_tanh(x, out): the steps' tanh over a vector."),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_recurrent",
    "One SimpleRNN, LSTM or GRU step, forward and backward, in one pass over its gates.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__recurrent(void)
{
    return PyModule_Create(&module);
}
