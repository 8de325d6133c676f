"""Drive Debian's bsnes-mercury (accuracy profile, bsnes v094) through the libretro C API with ctypes.

The core is an external GPL-3 tool: it is located on disk (installed by `apt-get install -y
libretro-bsnes-mercury-accuracy`, see `.ci/install-bsnes`), never vendored or imported as code.
Only the public libretro entry points are used: `retro_set_*` callbacks, `retro_init`,
`retro_load_game` (the ROM image from memory, `need_fullpath` is false for this core),
`retro_run` (one video frame), `retro_get_memory_data(RETRO_MEMORY_SYSTEM_RAM)` (the 128 KiB WRAM)
and `retro_unload_game`.

A shared library is loaded once per process and the core keeps global state, so `open_core` caches
one `BsnesCore` per path (a registry, the only module-level state); it is not thread-safe.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.errors import HarnessError, ToolMissingError

__all__ = ["APT_PACKAGE", "CORE_ENV", "BsnesCore", "CoreRun", "find_core", "open_core"]

APT_PACKAGE = "libretro-bsnes-mercury-accuracy"
CORE_ENV = "ASM65816_BSNES_CORE"
_CORE_NAME = "bsnes_mercury_accuracy_libretro.so"
_SEARCH_DIRS = (
    "/usr/lib/x86_64-linux-gnu/libretro",
    "/usr/lib/aarch64-linux-gnu/libretro",
    "/usr/lib/libretro",
    "/usr/local/lib/libretro",
)

_MEMORY_SYSTEM_RAM = 2
_WRAM_SIZE = 0x20000
# libretro environment commands this frontend answers (libretro.h)
_ENV_SET_PIXEL_FORMAT = 10
_ENV_GET_VARIABLE = 15
_ENV_SET_VARIABLES = 16
_ENV_GET_LOG_INTERFACE = 27
_LOG_ERROR = 3

_EnvCallback = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_uint, ctypes.c_void_p)
_LogCallback = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p)  # variadic in C; extras ignored
_VideoCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint, ctypes.c_size_t)
_AudioCallback = ctypes.CFUNCTYPE(None, ctypes.c_int16, ctypes.c_int16)
_AudioBatchCallback = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t)
_PollCallback = ctypes.CFUNCTYPE(None)
_InputCallback = ctypes.CFUNCTYPE(ctypes.c_int16, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint)


class _GameInfo(ctypes.Structure):
    _fields_ = [
        ("path", ctypes.c_char_p),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("meta", ctypes.c_char_p),
    ]


class _Variable(ctypes.Structure):
    _fields_ = [("key", ctypes.c_char_p), ("value", ctypes.c_char_p)]


class _SystemInfo(ctypes.Structure):
    _fields_ = [
        ("library_name", ctypes.c_char_p),
        ("library_version", ctypes.c_char_p),
        ("valid_extensions", ctypes.c_char_p),
        ("need_fullpath", ctypes.c_bool),
        ("block_extract", ctypes.c_bool),
    ]


def _user_cache_dirs() -> tuple[Path, ...]:
    """Where `.ci/install-bsnes` unpacks the package when it cannot install it system-wide."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asm65816" / "bsnes"
    return tuple(cache / directory.lstrip("/") for directory in _SEARCH_DIRS)


def find_core() -> Path:
    """Path of the core: $ASM65816_BSNES_CORE, else the usual Debian/Ubuntu libretro directories,
    else the user cache `.ci/install-bsnes` unpacks into without root."""
    override = os.environ.get(CORE_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise ToolMissingError(
                f"{CORE_ENV}={override!r} is not a file; point it at {_CORE_NAME} or unset it "
                f"and install the core with `apt-get install -y {APT_PACKAGE}` (or .ci/install-bsnes)"
            )
        return path
    for directory in (*map(Path, _SEARCH_DIRS), *_user_cache_dirs()):
        path = directory / _CORE_NAME
        if path.is_file():
            return path
    raise ToolMissingError(
        f"the bsnes accuracy core ({_CORE_NAME}) is not installed (looked in {', '.join(_SEARCH_DIRS)}); "
        f"install it with `apt-get install -y {APT_PACKAGE}` (or run .ci/install-bsnes), "
        f"or set {CORE_ENV} to its path"
    )


@dataclass(frozen=True)
class CoreRun:
    """What one ROM run produced: WRAM at the end, frames run, wall seconds, whether `done` held."""

    wram: bytes
    frames: int
    seconds: float
    finished: bool


class BsnesCore:
    """One loaded core. `run(rom, done, max_frames)` powers on with `rom` and runs frames until `done`."""

    def __init__(self, path: Path) -> None:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as error:
            raise ToolMissingError(
                f"cannot load the bsnes core {path}: {error}; reinstall it with "
                f"`apt-get install --reinstall -y {APT_PACKAGE}`"
            ) from error
        self.path = path
        self.errors: list[str] = []
        self._lib = lib
        self._region = ctypes.c_char_p(b"ntsc")
        self._declare(lib)
        if lib.retro_api_version() != 1:
            raise ToolMissingError(f"{path} speaks libretro API {lib.retro_api_version()}, expected 1")
        self._callbacks = self._make_callbacks()
        env, video, audio, audio_batch, poll, state, _log = self._callbacks
        lib.retro_set_environment(env)
        lib.retro_set_video_refresh(video)
        lib.retro_set_audio_sample(audio)
        lib.retro_set_audio_sample_batch(audio_batch)
        lib.retro_set_input_poll(poll)
        lib.retro_set_input_state(state)
        lib.retro_init()
        info = _SystemInfo()
        lib.retro_get_system_info(ctypes.byref(info))
        name = (info.library_name or b"?").decode(errors="replace")
        version = (info.library_version or b"?").decode(errors="replace")
        self.version = f"{name} {version}"

    @staticmethod
    def _declare(lib: ctypes.CDLL) -> None:
        lib.retro_api_version.restype = ctypes.c_uint
        lib.retro_load_game.argtypes = [ctypes.POINTER(_GameInfo)]
        lib.retro_load_game.restype = ctypes.c_bool
        lib.retro_get_memory_data.argtypes = [ctypes.c_uint]
        lib.retro_get_memory_data.restype = ctypes.c_void_p
        lib.retro_get_memory_size.argtypes = [ctypes.c_uint]
        lib.retro_get_memory_size.restype = ctypes.c_size_t
        lib.retro_get_system_info.argtypes = [ctypes.POINTER(_SystemInfo)]

    def _make_callbacks(self) -> tuple:
        """C callbacks; kept on the instance so ctypes does not free them while the core holds them."""
        errors = self.errors

        @_LogCallback
        def log(level: int, fmt: bytes | None) -> None:
            if level >= _LOG_ERROR and fmt:
                errors.append(fmt.decode(errors="replace").strip())

        region = self._region

        @_EnvCallback
        def environment(command: int, data: int | None) -> bool:
            if command == _ENV_GET_LOG_INTERFACE and data:
                ctypes.cast(data, ctypes.POINTER(ctypes.c_void_p))[0] = ctypes.cast(
                    log, ctypes.c_void_p
                ).value
                return True
            if command == _ENV_GET_VARIABLE and data:
                variable = ctypes.cast(data, ctypes.POINTER(_Variable))[0]
                if variable.key == b"bsnes_region":  # pin NTSC timing: 262 lines of 1364 clocks
                    ctypes.cast(data, ctypes.POINTER(_Variable))[0].value = region
                    return True
                return False  # other options keep the core's (accurate) defaults
            return command in (_ENV_SET_PIXEL_FORMAT, _ENV_SET_VARIABLES)

        return (
            environment,
            _VideoCallback(lambda data, width, height, pitch: None),
            _AudioCallback(lambda left, right: None),
            _AudioBatchCallback(lambda data, frames: frames),
            _PollCallback(lambda: None),
            _InputCallback(lambda port, device, index, button: 0),
            log,
        )

    def run(
        self, rom: bytes, done: Callable[[Callable[[int, int], bytes]], bool], max_frames: int
    ) -> CoreRun:
        """Power on with `rom`, run frames until `done(read)` is true or `max_frames`; return WRAM.

        `read(offset, length)` reads live WRAM without copying all of it (checked once per frame).
        """
        lib = self._lib
        buffer = ctypes.create_string_buffer(bytes(rom), len(rom))
        info = _GameInfo(None, ctypes.cast(buffer, ctypes.c_void_p), len(rom), None)
        del self.errors[:]
        started = time.perf_counter()
        if not lib.retro_load_game(ctypes.byref(info)):
            raise HarnessError(
                f"bsnes refused the crosscheck ROM ({len(rom)} bytes): {'; '.join(self.errors)}"
            )
        try:
            pointer = lib.retro_get_memory_data(_MEMORY_SYSTEM_RAM)
            size = lib.retro_get_memory_size(_MEMORY_SYSTEM_RAM)
            if not pointer or size != _WRAM_SIZE:
                raise HarnessError(f"bsnes exposes {size} bytes of WRAM at {pointer}, expected {_WRAM_SIZE}")

            def read(offset: int, length: int) -> bytes:
                return ctypes.string_at(pointer + offset, length)

            frames = 0
            finished = False
            while frames < max_frames:
                lib.retro_run()
                frames += 1
                if done(read):
                    finished = True
                    break
            wram = read(0, _WRAM_SIZE)
        finally:
            lib.retro_unload_game()
        return CoreRun(wram, frames, time.perf_counter() - started, finished)


def open_core(path: Path | None = None) -> BsnesCore:
    """The process-wide core for `path` (default: `find_core()`); loading twice would share state."""
    return _open_resolved((path or find_core()).resolve())


@lru_cache(maxsize=2)
def _open_resolved(path: Path) -> BsnesCore:
    return BsnesCore(path)
