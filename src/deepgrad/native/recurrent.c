/* A SimpleRNN's, an LSTM's or a GRU's call in C: the input projection x @ w + b and the whole
 * time loop forward; backward the loop and the gradients of w, of the recurrent kernel r and of
 * x (see ops/recurrent.py, ops/lstm.py and ops/gru.py, whose NumPy path these loops compute, and
 * recurrent_sequences.h for how they run: per step the products with w and r, small_gemm.h, and
 * one pass over the gates, recurrent_steps.h; blocks of rows on threads).
 *
 * recurrent_sequence(cell, x, w, b, r, rbias, states, gates, aux, keep, rmask, backwards, relu,
 *                    threads)
 *     step k = 0, 1, ... runs the sequence's step t = k, or S − 1 − k when `backwards`, from
 *     states[:, k] (the initial state on entry at k = 0), with xs = x[:, t] @ w + b (b may be
 *     None):
 *     SimpleRNN  h = act((h_k·rmask) @ r + xs) into states[:, k + 1];
 *     LSTM       a = (h_k·rmask) @ r + xs; i, f, o = sigmoid(a), g = act(a) into gates[k];
 *                c = f·c_k + i·g, aux[k] = act(c), h = o·aux[k] into states[:, k + 1] (h then
 *                c);
 *     GRU        (reset after) aux[k] = (h_k·rmask) @ r + rbias; z, r = sigmoid(xs_zr +
 *                aux_zr), h̃ = act(xs_h + r·aux_h) into gates[k]; h = z·h_k + (1 − z)·h̃.
 *     Rows whose keep[:, t] is false carry states[:, k] over.
 * recurrent_sequence_backward(cell, x, w, r, gates, aux, states, grad, dh, direct, dc, rmask,
 *                             keep, dw, dr, db, drb, dx, backwards, relu, threads)
 *     for k from S − 1 down: the step's gradient d = grad[:, k] + dh·rmask + direct (LSTM: and
 *     the cell's, grad[:, k, u:] + dc) through the gates into d_t, the gradient of the step's
 *     projected inputs (GRU: the recurrent side's into d_rec); direct (and dc) carry what skips
 *     the product down; masked rows pass their gradient on unchanged. Then dh = d_prod @ r.T
 *     with d_prod = d_rec (GRU) or d_t, dr += (h_k·rmask)ᵀ @ d_prod, dw += x[:, t]ᵀ @ d_t,
 *     db += d_t's column sums (when db is not None), drb += d_rec's (GRU) and, when dx is not
 *     None, dx[:, t] = d_t @ w.T. dh, direct and dc hold zeros on entry.
 *
 * cell is "simple_rnn", "lstm" or "gru"; G = 1, 4 or 3 gates; P = 2 states for the LSTM's h and
 * c, else 1. Shapes: x and dx (n, S, F), w and dw (F, G·u), b and db (G·u), r and dr
 * (u, G·u), rbias and drb (3u), states (n, S + 1, P·u), grad (n, S, P·u), gates
 * (S, n, G·u), aux (S, n, u) for the LSTM, (S, n, 3u) for the GRU, dh, direct, dc and rmask
 * (n, u), keep (n, S) booleans; all C-contiguous, one float dtype. What a cell does not use is
 * None, as may be rmask, keep, db and dx. act is tanh, or ReLU when relu is true; threads: at most
 * this many blocks of rows.
 *
 * The sigmoid and tanh come from gate_math.h (within a few units in the last place of NumPy's).
 */
#include "kernels_common.h"
#include "recurrent_sequences.h"

/* One array argument: C-contiguous, `ndim` dimensions of sizes `dims` (−1: any), of the
 * kernel's float dtype (or booleans, `boolean`); None allowed where `optional`. */
typedef struct {
    int ndim;
    Py_ssize_t dims[3];
    char write, optional, boolean;
} Spec;

/* Borrow the arrays args[first], ..., args[first + k − 1] for the k specs; `*kind` is the first
 * one's dtype. */
static int
borrow(const char *name, PyObject *const *args, int first, const Spec *spec, int k, Py_buffer *b,
       char *kind)
{
    memset(b, 0, sizeof(Py_buffer) * (size_t)k);
    for (int i = 0; i < k; i++) {
        PyObject *arg = args[first + i];
        if (arg == Py_None) {
            if (spec[i].optional) {
                continue;
            }
            PyErr_Format(PyExc_ValueError, "%s(): argument %d must be an array, not None", name,
                         first + i);
            release_buffers(b, k);
            return -1;
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
                         "call needs", name, first + i,
                         spec[i].boolean ? "boolean"
                                         : "float32 or float64 (the first one's dtype)");
            release_buffers(b, k);
            return -1;
        }
    }
    return 0;
}

#define F(ndim, d0, d1, d2, w) {ndim, {d0, d1, d2}, w, 0, 0}
#define OPT(ndim, d0, d1, d2, w) {ndim, {d0, d1, d2}, w, 1, 0}
#define KEEP(n, S) {2, {n, S, 0}, 0, 1, 1}
#define NONE {0, {0, 0, 0}, 0, 1, 0}
#define BUF(i) ((void *)b[i].buf)

/* The call's arity, cell, the sizes n, S, F (from x) and u (from r), and the flags backwards,
 * relu and threads (the last three arguments). */
static int
parse_call(const char *name, PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected,
           int r_arg, Block *proto, int *threads)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, expected,
                     nargs);
        return -1;
    }
    const char *cell = PyUnicode_Check(args[0]) ? PyUnicode_AsUTF8(args[0]) : NULL;
    if (cell == NULL
        || (strcmp(cell, "simple_rnn") && strcmp(cell, "lstm") && strcmp(cell, "gru"))) {
        PyErr_Format(PyExc_ValueError, "%s(): the cell must be 'simple_rnn', 'lstm' or 'gru'",
                     name);
        return -1;
    }
    proto->cell = !strcmp(cell, "lstm") ? LSTM : !strcmp(cell, "gru") ? GRU : SIMPLE_RNN;
    Py_buffer x, r;
    if (PyObject_GetBuffer(args[1], &x, PyBUF_ND) < 0) {
        return -1;
    }
    if (PyObject_GetBuffer(args[r_arg], &r, PyBUF_ND) < 0) {
        PyBuffer_Release(&x);
        return -1;
    }
    int ok = x.ndim == 3 && r.ndim == 2;
    if (ok) {
        proto->n = x.shape[0];
        proto->S = x.shape[1];
        proto->F = x.shape[2];
        proto->u = r.shape[0];
    }
    PyBuffer_Release(&x);
    PyBuffer_Release(&r);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s(): x must be (n, steps, features) and r (units, "
                     "gates*units)", name);
        return -1;
    }
    proto->backwards = PyObject_IsTrue(args[nargs - 3]);
    proto->relu = PyObject_IsTrue(args[nargs - 2]);
    long count = PyLong_AsLong(args[nargs - 1]);
    if (proto->backwards < 0 || proto->relu < 0 || (count == -1 && PyErr_Occurred())) {
        return -1;
    }
    *threads = count < 1 ? 1 : count > MAX_THREADS ? MAX_THREADS : (int)count;
    return 0;
}

/* Run `proto` over its rows, forward or `backward`, without the GIL (see run_sequence), and
 * release the `count` buffers `b`. */
static PyObject *
run_call(Block proto, int backward, int threads, char kind, const void *r, Py_buffer *b,
         int count)
{
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = run_sequence(proto, backward, threads, kind, r);
    Py_END_ALLOW_THREADS
    release_buffers(b, count);
    if (status < 0) {
        return PyErr_NoMemory();
    }
    Py_RETURN_NONE;
}

static PyObject *
recurrent_sequence(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    const char *name = "recurrent_sequence";
    Block proto = {0};
    int threads;
    if (parse_call(name, args, nargs, 14, 4, &proto, &threads) < 0) {
        return NULL;
    }
    Py_ssize_t n = proto.n, S = proto.S, Fs = proto.F, u = proto.u;
    Py_ssize_t g = gates_of(proto.cell) * u, P = proto.cell == LSTM ? 2 : 1;
    int lstm = proto.cell == LSTM, gru = proto.cell == GRU;
    /* x, w, b, r, rbias, states, gates, aux, keep, rmask */
    Spec spec[10] = {F(3, n, S, Fs, 0), F(2, Fs, g, 0, 0), OPT(1, g, 0, 0, 0), F(2, u, g, 0, 0),
                     gru ? (Spec)F(1, g, 0, 0, 0) : (Spec)NONE, F(3, n, S + 1, P * u, 1),
                     lstm || gru ? (Spec)F(3, S, n, g, 1) : (Spec)NONE,
                     lstm ? (Spec)F(3, S, n, u, 1) : gru ? (Spec)F(3, S, n, g, 1) : (Spec)NONE,
                     KEEP(n, S), OPT(2, n, u, 0, 0)};
    Py_buffer b[10];
    char kind = 0;
    if (borrow(name, args, 1, spec, 10, b, &kind) < 0) {
        return NULL;
    }
    proto.x = BUF(0);
    proto.w = BUF(1);
    proto.b = BUF(2);
    proto.rbias = BUF(4);
    proto.states = BUF(5);
    proto.gates = BUF(6);
    proto.aux = BUF(7);
    proto.keep = BUF(8);
    proto.rmask = BUF(9);
    return run_call(proto, 0, threads, kind, BUF(3), b, 10);
}

static PyObject *
recurrent_sequence_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    const char *name = "recurrent_sequence_backward";
    Block proto = {0};
    int threads;
    if (parse_call(name, args, nargs, 21, 3, &proto, &threads) < 0) {
        return NULL;
    }
    Py_ssize_t n = proto.n, S = proto.S, Fs = proto.F, u = proto.u;
    Py_ssize_t g = gates_of(proto.cell) * u, P = proto.cell == LSTM ? 2 : 1;
    int lstm = proto.cell == LSTM, gru = proto.cell == GRU;
    /* x, w, r, gates, aux, states, grad, dh, direct, dc, rmask, keep, dw, dr, db, drb, dx */
    Spec spec[17] = {F(3, n, S, Fs, 0), F(2, Fs, g, 0, 0), F(2, u, g, 0, 0),
                     lstm || gru ? (Spec)F(3, S, n, g, 0) : (Spec)NONE,
                     lstm ? (Spec)F(3, S, n, u, 0) : gru ? (Spec)F(3, S, n, g, 0) : (Spec)NONE,
                     F(3, n, S + 1, P * u, 0), F(3, n, S, P * u, 0), F(2, n, u, 0, 1),
                     F(2, n, u, 0, 1), lstm ? (Spec)F(2, n, u, 0, 1) : (Spec)NONE,
                     OPT(2, n, u, 0, 0), KEEP(n, S), F(2, Fs, g, 0, 1), F(2, u, g, 0, 1),
                     OPT(1, g, 0, 0, 1), gru ? (Spec)F(1, g, 0, 0, 1) : (Spec)NONE,
                     OPT(3, n, S, Fs, 1)};
    Py_buffer b[17];
    char kind = 0;
    if (borrow(name, args, 1, spec, 17, b, &kind) < 0) {
        return NULL;
    }
    proto.x = BUF(0);
    proto.w = BUF(1);
    proto.gates = BUF(3);
    proto.aux = BUF(4);
    proto.states = BUF(5);
    proto.grad = BUF(6);
    proto.dh = BUF(7);
    proto.direct = BUF(8);
    proto.dc = BUF(9);
    proto.rmask = BUF(10);
    proto.keep = BUF(11);
    proto.dw = BUF(12);
    proto.dr = BUF(13);
    proto.db = BUF(14);
    proto.drb = BUF(15);
    proto.dx = BUF(16);
    return run_call(proto, 1, threads, kind, BUF(2), b, 17);
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
    Spec spec[2] = {F(1, -1, 0, 0, 0), F(1, -1, 0, 0, 1)};
    char kind = 0;
    if (borrow(name, args, 0, spec, 2, b, &kind) < 0) {
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
    METHOD(recurrent_sequence, "recurrent_sequence(cell, x, w, b, r, rbias, states, gates, aux, "
                               "keep, rmask, backwards, relu, threads): a recurrent layer's "
                               "projection and time loop."),
    METHOD(recurrent_sequence_backward, "recurrent_sequence_backward(cell, x, w, r, gates, aux, "
                                        "states, grad, dh, direct, dc, rmask, keep, dw, dr, db, "
                                        "drb, dx, backwards, relu, threads): its "
                                        "backpropagation through time and weight gradients."),
    METHOD(gate_expneg, "gate_expneg(x, out): the steps' e^x for x <= 0, over a vector."),
    METHOD(gate_sigmoid, "gate_sigmoid(x, out): the steps' sigmoid over a vector."),
    METHOD(gate_tanh, "gate_tanh(x, out): the steps' tanh over a vector."),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_recurrent",
    "The SimpleRNN's, LSTM's and GRU's projection and time loop, forward and backward, in C.",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__recurrent(void)
{
    return PyModule_Create(&module);
}
