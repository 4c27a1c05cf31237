"""Only the optional C accelerator of the X12 readers; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("models.x12._speedups", ["models/x12/_speedups.c"])])
