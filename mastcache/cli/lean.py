"""Keep a CLI command from importing what it never uses.

pyarrow asks "is pandas installed?" the first time it builds any array or scalar, and
answers by importing pandas: ~0.5-0.9 s, more than reading a cached result costs. A CLI
command never hands pandas objects to pyarrow, so :func:`defer_pandas_probe` lets pyarrow's
probe find no pandas. Nothing is lost: pyarrow still imports pandas when asked for pandas
output (``to_pandas()``, ``SQLResult.df()``), and pandas stays importable as usual.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from importlib.machinery import ModuleSpec

__all__ = ["defer_pandas_probe"]


class _PandasProbeBlocker:
    """A ``sys.meta_path`` finder (importlib.abc costs ~15 ms: tempfile, shutil...)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name == "pandas":
            raise ImportError("pandas deferred by mastcache.cli.lean")
        return None


def defer_pandas_probe(*modules: str) -> None:
    """Settle pyarrow's pandas probe as "absent" unless pandas is already imported.

    ``modules`` (e.g. ``pyarrow.dataset``, which probes again while it loads) are imported
    under the same rule."""
    if "pandas" in sys.modules or "pyarrow.lib" in sys.modules:
        return  # too late (or needless): leave pyarrow as it is
    blocker = _PandasProbeBlocker()
    sys.meta_path.insert(0, blocker)
    try:
        import pyarrow.lib

        _ = pyarrow.lib._pandas_api.have_pandas  # runs the probe now, under the blocker
        for name in modules:
            import_module(name)
    except ImportError:
        pass  # no pyarrow: nothing to defer
    finally:
        sys.meta_path.remove(blocker)
