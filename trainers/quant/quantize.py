"""Quantize a GGUF file with llama.cpp's own quantizer (llama-cpp-python's ctypes binding).

The user's old pipeline shelled out to a `llama-quantize` binary that pip does not install; the same
code is reachable in process through `llama_cpp.llama_model_quantize`. Types are named as llama.cpp
names them (`Q4_K_M`, `Q8_0`, `IQ4_NL`, ...), looked up from the binding's `LLAMA_FTYPE_MOSTLY_*`
constants so any type the compiled llama.cpp knows is accepted.

K-quants work on 256-wide super-blocks: a tensor whose row length is not a multiple of 256 is silently
stored as Q5_0/Q8_0 instead. `QuantizeResult.tensor_types` shows what was actually written.

llama.cpp logs a line per tensor to the process's stdout/stderr (from C, and through llama-cpp-python's
log callback). `quiet=True` sends all of it to `<output>.log` at the file-descriptor level instead; the
log is deleted after a success and kept, its last lines quoted in the error, after a failure.
"""

from __future__ import annotations

import difflib
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, ToolMissingError, UnknownNameError

__all__ = [
    "DEFAULT_QUANTS",
    "QuantizeResult",
    "import_llama_cpp",
    "quant_types",
    "quantize_gguf",
    "resolve_quant_type",
]

DEFAULT_QUANTS: tuple[str, ...] = ("Q8_0", "Q5_K_M", "Q4_K_M")
_PREFIXES = ("LLAMA_FTYPE_MOSTLY_", "LLAMA_FTYPE_ALL_")


@dataclass(frozen=True)
class QuantizeResult:
    """One quantized file: type, sizes and what the quantizer chose per tensor."""

    path: Path
    quant: str
    ftype: int
    size_bytes: int
    source_bytes: int
    seconds: float
    tensor_types: Mapping[str, int] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Size relative to the source file (F16 usually)."""
        return self.size_bytes / self.source_bytes if self.source_bytes else float("nan")


def import_llama_cpp() -> Any:
    """Import llama_cpp or raise ToolMissingError naming how to install a working build."""
    try:
        import llama_cpp
    except ImportError as error:
        raise ToolMissingError(
            "llama-cpp-python is not installed: pip install 'asm65816-harness[gguf]' (build with "
            'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" on shared VMs)'
        ) from error
    return llama_cpp


def quant_types() -> dict[str, int]:
    """Every file type the installed llama.cpp binding names, e.g. {"Q4_K_M": 15, "F16": 1, ...}."""
    llama_cpp = import_llama_cpp()
    found: dict[str, int] = {}
    for attr in dir(llama_cpp):
        for prefix in _PREFIXES:
            if attr.startswith(prefix):
                found[attr[len(prefix) :]] = int(getattr(llama_cpp, attr))
    return found


def resolve_quant_type(name: str) -> int:
    """Map a type name (case-insensitive, `q4_k_m` or `Q4_K_M`) to llama.cpp's ftype number."""
    known = quant_types()
    key = name.strip().upper()
    if key not in known:
        close = difflib.get_close_matches(key, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(known))}"
        raise UnknownNameError(f"unknown quantization type {name!r}{hint}")
    return known[key]


@contextmanager
def _native_output_to(log: Path) -> Iterator[None]:
    """Send everything printed for the duration to `log`: file descriptors 1 and 2 (what ggml prints from
    C) and `sys.stdout`/`sys.stderr` (llama-cpp-python's log callback prints there, and they need not be
    descriptors 1 and 2, e.g. under pytest). Not thread-safe: meant for one quantization at a time."""
    streams = (sys.stdout, sys.stderr)
    for stream in streams:
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with log.open("w", encoding="utf-8", errors="replace") as handle:
            os.dup2(handle.fileno(), 1)
            os.dup2(handle.fileno(), 2)
            sys.stdout = sys.stderr = handle
            try:
                yield
            finally:
                handle.flush()
                sys.stdout, sys.stderr = streams
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        for descriptor in saved:
            os.close(descriptor)


def _log_tail(log: Path, lines: int = 8) -> str:
    if not log.is_file():
        return ""
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    return "; llama.cpp's log ends:\n  " + "\n  ".join(tail) + f"\n(full log: {log})" if tail else ""


def quantize_gguf(
    source: str | Path, out_path: str | Path, quant: str, *, threads: int | None = None, quiet: bool = False
) -> QuantizeResult:
    """Quantize `source` (an F16/F32 GGUF) into `out_path` as type `quant` (`quiet`: llama.cpp's
    per-tensor log goes to `<out_path>.log`, kept only when quantizing fails)."""
    llama_cpp = import_llama_cpp()
    source = Path(source)
    out_path = Path(out_path)
    ftype = resolve_quant_type(quant)
    if not source.is_file():
        raise HarnessError(f"GGUF source not found: {source}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = threads if threads is not None else (os.cpu_count() or 1)
    log = out_path.with_name(out_path.name + ".log")
    start = time.perf_counter()
    with _native_output_to(log) if quiet else nullcontext():
        status = llama_cpp.llama_model_quantize(str(source).encode(), str(out_path).encode(), params)
    seconds = time.perf_counter() - start
    if status != 0 or not out_path.is_file():
        out_path.unlink(missing_ok=True)  # a failed run may leave a truncated file
        detail = _log_tail(log) if quiet else ""
        raise HarnessError(f"llama.cpp could not quantize {source} to {quant} (status {status}){detail}")
    if quiet:
        log.unlink(missing_ok=True)
    from harness.trainers.quant.inspect import read_gguf_summary

    return QuantizeResult(
        path=out_path,
        quant=quant.strip().upper(),
        ftype=ftype,
        size_bytes=out_path.stat().st_size,
        source_bytes=source.stat().st_size,
        seconds=seconds,
        tensor_types=read_gguf_summary(out_path).tensor_types,
    )
