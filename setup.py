"""Build deepgrad's optional C kernels; everything else is in pyproject.toml.

The extensions (deepgrad._ckernels, deepgrad._cdense, deepgrad._closses) are optional: without
a working C compiler the build warns and deepgrad installs as pure Python, running its NumPy
passes instead (see deepgrad/kernels.py).
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Bitwise agreement with the NumPy path needs IEEE arithmetic exactly as written: no fused
# multiply-add contraction, no fast-math; -fno-math-errno lets sqrt vectorise.
UNIX_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno"]


class BuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for extension in self.extensions:
                extension.extra_compile_args = UNIX_FLAGS
        super().build_extensions()


setup(
    ext_modules=[
        Extension(f"deepgrad.{name}", [f"src/deepgrad/{name}.c"], optional=True,
                  depends=["src/deepgrad/_ckernels_common.h"])
        for name in ("_ckernels", "_cdense", "_closses")  # deepgrad.kernels.EXTENSIONS
    ],
    cmdclass={"build_ext": BuildExt},
)
