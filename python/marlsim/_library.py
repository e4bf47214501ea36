"""Finding libmarlsim and declaring its C functions (include/marlsim.h) for ctypes."""
from __future__ import annotations

import ctypes
import json
import os
import shutil
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_uint8, c_uint64, c_void_p
from pathlib import Path

ABI_VERSION = 1
LIBRARY_NAME = "libmarlsim.so"


class MarlSimError(Exception):
    """A failure inside libmarlsim: a broken world, a bad argument or a run folder that cannot be read.

    `file`, `line` and `rule` say where and which rule of the world contract was broken, when known.
    """

    def __init__(self, fields: dict):
        self.message = fields.get("message", "")
        self.text = fields.get("text", self.message)
        self.file = fields.get("file")
        self.line = fields.get("line")
        self.rule = fields.get("rule")
        self.traceback_frames = fields.get("traceback", [])
        super().__init__(self.text)


def _candidates():
    """Where the library may be, in the order searched (docs/python.md)."""
    given = os.environ.get("MARLSIM_LIBRARY")
    if given:
        yield Path(given)
        return
    yield Path(__file__).with_name(LIBRARY_NAME)
    command = shutil.which("marl-sim")
    if command:
        real = Path(os.path.realpath(command))
        yield real.with_name(LIBRARY_NAME)
        yield real.parent.parent / ".build" / "release" / LIBRARY_NAME
    folder = Path.cwd()
    for parent in [folder, *folder.parents]:
        yield parent / ".build" / "release" / LIBRARY_NAME


def _find() -> Path:
    searched = []
    for path in _candidates():
        if path.is_file():
            return path
        searched.append(str(path))
    raise MarlSimError({"message": (
        f"{LIBRARY_NAME} was not found (searched: {', '.join(searched)}). Build it in the marl-sim checkout "
        "with `scripts/setup` (or `swift build -c release`) and run from there, or set MARLSIM_LIBRARY to its path")})


def _declare(lib):
    p = c_void_p
    table = {
        "marlsim_abi_version": (c_int, []),
        "marlsim_last_error": (c_char_p, []),
        "marlsim_world_open": (p, [c_char_p, POINTER(c_char_p), c_int, c_uint64, c_int, c_int, c_int]),
        "marlsim_world_close": (None, [p]),
        "marlsim_world_spec": (c_char_p, [p]),
        "marlsim_world_reseed": (c_int, [p, c_uint64, c_int]),
        "marlsim_world_reset": (c_int, [p]),
        "marlsim_world_step": (c_int, [p, p, p, p]),
        "marlsim_world_observations": (POINTER(c_float), [p]),
        "marlsim_world_state": (POINTER(c_float), [p]),
        "marlsim_world_available": (POINTER(c_uint8), [p]),
        "marlsim_world_steps": (c_int, [p]),
        "marlsim_world_running": (c_int, [p]),
        "marlsim_world_info": (c_int, [p, p, c_int]),
        "marlsim_world_info_key": (c_char_p, [p, c_int]),
        "marlsim_world_snapshot": (c_char_p, [p]),
        "marlsim_world_restore": (c_int, [p, c_char_p]),
        "marlsim_world_render": (c_char_p, [p]),
        "marlsim_batch_open": (p, [c_char_p, POINTER(c_char_p), c_int, c_uint64, c_int, c_int, c_int, c_int]),
        "marlsim_batch_close": (None, [p]),
        "marlsim_batch_spec": (c_char_p, [p]),
        "marlsim_batch_count": (c_int, [p]),
        "marlsim_batch_reset": (c_int, [p]),
        "marlsim_batch_step": (c_int, [p, p, p]),
        "marlsim_batch_observations": (POINTER(c_float), [p]),
        "marlsim_batch_state": (POINTER(c_float), [p]),
        "marlsim_batch_available": (POINTER(c_uint8), [p]),
        "marlsim_batch_final_observations": (POINTER(c_float), [p]),
        "marlsim_batch_final_state": (POINTER(c_float), [p]),
        "marlsim_batch_rewards": (POINTER(c_double), [p]),
        "marlsim_batch_terminated": (POINTER(c_uint8), [p]),
        "marlsim_batch_truncated": (POINTER(c_uint8), [p]),
        "marlsim_policy_open": (p, [c_char_p, c_int, c_int]),
        "marlsim_policy_close": (None, [p]),
        "marlsim_policy_spec": (c_char_p, [p]),
        "marlsim_policy_begin": (c_int, [p, c_int]),
        "marlsim_policy_act": (c_int, [p, c_int, p, p, p, c_int, p, p]),
    }
    for name, (result, arguments) in table.items():
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments


_lib = None


def library():
    """The loaded library (loaded and checked on first use)."""
    global _lib
    if _lib is None:
        path = _find()
        lib = ctypes.CDLL(str(path))
        _declare(lib)
        version = lib.marlsim_abi_version()
        if version != ABI_VERSION:
            raise MarlSimError({"message": f"{path} has C interface version {version}; this package needs {ABI_VERSION} "
                                           "(rebuild the library, or install the package from the same checkout)"})
        _lib = lib
    return _lib


def failure() -> MarlSimError:
    """The calling thread's last libmarlsim failure as an exception."""
    text = library().marlsim_last_error()
    if not text:
        return MarlSimError({"message": "libmarlsim reported a failure without a message"})
    return MarlSimError(json.loads(text.decode("utf-8")))


def check(status: int):
    if status != 0:
        raise failure()


def checked(pointer):
    if not pointer:
        raise failure()
    return pointer


class OwnedHandle:
    """A libmarlsim handle, closed once: by `close()`, at the end of a `with` block, or when collected."""

    _close_function = ""  # the library function that frees this kind of handle
    _handle = None

    def close(self):
        if self._handle:
            getattr(self._lib, self._close_function)(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def option_strings(options: dict):
    """`--env` strings from keyword options; None values are left out."""
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    items = [f"{key}={text(value)}".encode("utf-8") for key, value in options.items() if value is not None]
    array = (c_char_p * max(1, len(items)))(*items)
    return array, len(items)
