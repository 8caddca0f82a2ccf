"""Build deepgrad's optional C kernels; everything else is in pyproject.toml.

The extensions (deepgrad.native._optimizer_updates, _dense_layer, _softmax_cross_entropy,
_batch_norm, _validation, _windows and _recurrent, from the C sources of the same names in
src/deepgrad/native/) are optional: without
a working C compiler the build warns and deepgrad installs as pure Python, running its NumPy
passes instead (see deepgrad/native/kernels.py).
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Bitwise agreement with the NumPy path needs IEEE arithmetic exactly as written: no fused
# multiply-add contraction, no fast-math; -fno-math-errno lets sqrt vectorise.
UNIX_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno"]
# The recurrent layers' code (which agrees with NumPy to rounding, not bitwise) also takes
# -fno-trapping-math, so that the gate functions' selects (clamps, NaN checks) become vector
# blends on CPUs without AVX-512's masks (without it GCC leaves those loops scalar on AVX2, five
# times slower), and fused multiply-adds.
EXTRA_FLAGS = {"deepgrad.native._recurrent": ["-fno-trapping-math"]}


class BuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for extension in self.extensions:
                extension.extra_compile_args = UNIX_FLAGS + EXTRA_FLAGS.get(extension.name, [])
        super().build_extensions()


setup(
    ext_modules=[
        Extension(f"deepgrad.native._{name}", [f"src/deepgrad/native/{name}.c"], optional=True,
                  depends=["src/deepgrad/native/kernels_common.h", "src/deepgrad/native/gate_math.h",
                           "src/deepgrad/native/recurrent_steps.h",
                           "src/deepgrad/native/recurrent_sequences.h",
                           "src/deepgrad/native/small_gemm.h"])
        for name in ("optimizer_updates", "dense_layer", "softmax_cross_entropy", "batch_norm",
                     "validation", "windows", "recurrent")
        # the names in kernels.EXTENSIONS
    ],
    cmdclass={"build_ext": BuildExt},
)
