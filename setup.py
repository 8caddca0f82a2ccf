"""Build the optional C kernels (deepgrad._ckernels, deepgrad._cdense, deepgrad._closses); everything else is in pyproject.toml.

The extension is optional: without a working C compiler the build warns and deepgrad installs
as pure Python, running its NumPy updates (see deepgrad/kernels.py).
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
        Extension("deepgrad._ckernels", ["src/deepgrad/_ckernels.c"], optional=True),
        Extension("deepgrad._cdense", ["src/deepgrad/_cdense.c"], optional=True),
        Extension("deepgrad._closses", ["src/deepgrad/_closses.c"], optional=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
