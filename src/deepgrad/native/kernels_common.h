/* What deepgrad's C kernel extensions share (see kernels.py): the Python headers, the
 * per-CPU vector clones of their loops, and releasing the buffers they borrowed. */
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

#endif
