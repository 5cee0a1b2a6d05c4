r"""Importing a user's plugin (a ``.py`` file or a module) that registers claims."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from boundkit._errors import BoundkitError
from boundkit.claims import _registry

__all__ = ["load_plugin", "plugin_module"]


def _file_module_name(path: Path) -> str:
    """The ``sys.modules`` name under which a plugin file is imported."""
    return "boundkit_plugin_" + "".join(ch if ch.isalnum() else "_" for ch in str(path.resolve()))


def plugin_module(spec: str | os.PathLike[str]) -> ModuleType:
    """The module a :func:`load_plugin` call imported for ``spec`` (a file path or a module
    name), for looking up the objects it defines (``"plugin:NAME"`` in spec files).

    Parameters
    ----------
    spec : str or path
        What was given to :func:`load_plugin`.

    Returns
    -------
    module
        The imported module (a file plugin lives in ``sys.modules`` under
        ``boundkit_plugin_<its resolved path>``).

    Raises
    ------
    BoundkitError
        When ``spec`` was not loaded by :func:`load_plugin`.
    """
    text = os.fspath(spec)
    path = Path(text)
    is_file = text.endswith(".py") or path.exists()
    module = sys.modules.get(_file_module_name(path) if is_file else text)
    if module is None:
        raise BoundkitError(f"plugin {text!r} is not loaded (load_plugin it first)")
    return module


def load_plugin(spec: str | os.PathLike[str]) -> list[str]:
    """Import a user's file or module that registers claims; return the new claim IDs.

    Parameters
    ----------
    spec : str or path
        A path to a ``.py`` file, or an importable module name (``mypkg.my_claims``).

    Returns
    -------
    list of str
        Identifiers of the claims the plugin registered checks for, in registration order.

    Raises
    ------
    BoundkitError
        When the file or module does not exist or fails to import -- including a plugin that
        calls ``sys.exit`` on import (that must not end ``verify`` with nothing verified).
    """
    _registry._load_builtins()
    text = os.fspath(spec)
    path = Path(text)
    _registry._RECORDING = []
    try:
        if text.endswith(".py") or path.exists():
            if not path.is_file():
                raise BoundkitError(f"plugin file {text!r} does not exist")
            name = _file_module_name(path)
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise BoundkitError(f"cannot import plugin file {text!r}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            if importlib.util.find_spec(text) is None:
                raise BoundkitError(f"plugin {text!r} is neither a file nor an importable module")
            if text in sys.modules:
                importlib.reload(sys.modules[text])
            else:
                importlib.import_module(text)
        loaded = str(path.resolve()) if (text.endswith(".py") or path.exists()) else text
        new_ids = list(dict.fromkeys(_registry._RECORDING))
        for cid in new_ids:
            _registry._PLUGIN_OF[cid] = loaded
        return new_ids
    except BoundkitError:
        raise
    except KeyboardInterrupt:
        raise
    except ModuleNotFoundError as exc:
        raise BoundkitError(f"plugin {text!r} could not be imported: {exc}") from exc
    except SystemExit as exc:
        raise BoundkitError(
            f"plugin {text!r} called sys.exit({exc.code!r}) on import: a plugin must only "
            "register claims"
        ) from None
    except BaseException as exc:  # noqa: BLE001 - any failure is one line for the user
        raise BoundkitError(
            f"plugin {text!r} raised {type(exc).__name__} on import: {exc}"
        ) from exc
    finally:
        _registry._RECORDING = None
