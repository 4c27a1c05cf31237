"""Only the optional C accelerator of the X12 readers; everything else is in pyproject.toml."""

from setuptools import Extension, setup

# optional: without a C compiler the install still succeeds and the readers use their
# Python twins (slower, same results); tests/models/x12/test_accel.py insists on the C
# build where the suite runs.
setup(
    ext_modules=[
        Extension("models.x12._speedups", ["models/x12/_speedups.c"], optional=True),
    ]
)
