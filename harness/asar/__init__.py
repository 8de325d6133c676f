"""ASAR 1.91 backend: locate/provision the binary, assemble untrusted text in a sandbox.

Public API: `assemble`, `assemble_many`, `find_asar`, `install_asar`, the result types, and
`header_path` for the bundled clean-room headers (`snes.asm`, `alttp_ram.asm`).
"""

from harness.asar.assemble import HEADER_NAMES, assemble, header_path, rom_offset_to_address
from harness.asar.batch import assemble_many
from harness.asar.locate import ASAR_SHA256, ASAR_VERSION, AsarBinary, find_asar
from harness.asar.provision import install_asar
from harness.asar.result import AsarMessage, AssembleResult, AssembleStatus, Segment
from harness.asar.sandbox import SandboxLimits

__all__ = [
    "ASAR_SHA256",
    "ASAR_VERSION",
    "HEADER_NAMES",
    "AsarBinary",
    "AsarMessage",
    "AssembleResult",
    "AssembleStatus",
    "SandboxLimits",
    "Segment",
    "assemble",
    "assemble_many",
    "find_asar",
    "header_path",
    "install_asar",
    "rom_offset_to_address",
]
