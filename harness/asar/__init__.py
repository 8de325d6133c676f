"""ASAR 1.91 backend: locate/provision the binary, assemble untrusted text in a sandbox.

Public API: `assemble`, `assemble_many`, `find_asar`, `install_asar`, the result types, and
`header_path` for the bundled clean-room headers (`snes.asm`, `alttp_ram.asm`).
Sandbox: `sandbox_state()` (the isolation this machine gives, as data), `require_sandbox()` (the
gate scoring calls before it starts), `install_termination_cleanup()` (the CLI's and workers'
SIGTERM/SIGHUP -> clean exit), `sweep_stale_workdirs()`.
"""

from harness.asar.assemble import (
    HEADER_NAMES,
    address_to_rom_offset,
    assemble,
    header_path,
    rom_offset_to_address,
)
from harness.asar.batch import assemble_many
from harness.asar.cleanup import install_termination_cleanup, sweep_stale_workdirs
from harness.asar.locate import ASAR_SHA256, ASAR_VERSION, AsarBinary, find_asar
from harness.asar.provision import install_asar
from harness.asar.result import (
    AsarMessage,
    AssembleResult,
    AssembleStatus,
    SandboxLevel,
    SandboxState,
    Segment,
)
from harness.asar.sandbox import SandboxLimits, SandboxRunError, SandboxSetupError
from harness.asar.state import (
    ALLOW_DEGRADED_ENV,
    LEVEL_CAP_ENV,
    DegradedSandboxError,
    require_sandbox,
    sandbox_state,
)

__all__ = [
    "ALLOW_DEGRADED_ENV",
    "ASAR_SHA256",
    "ASAR_VERSION",
    "HEADER_NAMES",
    "LEVEL_CAP_ENV",
    "AsarBinary",
    "AsarMessage",
    "AssembleResult",
    "AssembleStatus",
    "DegradedSandboxError",
    "SandboxLevel",
    "SandboxLimits",
    "SandboxRunError",
    "SandboxSetupError",
    "SandboxState",
    "Segment",
    "address_to_rom_offset",
    "assemble",
    "assemble_many",
    "find_asar",
    "header_path",
    "install_asar",
    "install_termination_cleanup",
    "require_sandbox",
    "rom_offset_to_address",
    "sandbox_state",
    "sweep_stale_workdirs",
]
