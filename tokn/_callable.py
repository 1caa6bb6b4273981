"""Modules that can be called like the function they are named after.

``tokn.decode`` (package) and ``tokn.validate`` (module) share their names with the
public functions ``tokn.decode()`` and ``tokn.validate()``.  Python binds a submodule to
its parent package's attribute when it is imported, which would replace the function
exported by :mod:`tokn` with a module; making the module callable keeps
``tokn.decode(doc)`` working whichever of the two the attribute holds.
"""
from __future__ import annotations

import sys
import types


def make_callable(module_name: str, function_name: str) -> None:
    """Calling module ``module_name`` calls its attribute ``function_name``."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(self, function_name)(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
