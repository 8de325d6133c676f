"""asm65816 harness: verified scores for language models writing 65816 (SNES) assembly.

The data flow is one-directional (DESIGN.md): completion -> extract -> assemble (`harness.asar`) ->
emulate (`harness.emu`) -> compare (`harness.verify`) -> metrics (`harness.score`) -> aggregate ->
gate/report (`harness.gate`, `harness.report`). Importing this package does no work: each concern is
imported on use.
"""

from harness.errors import HarnessError

__version__ = "0.2.0"

__all__ = ["HarnessError", "__version__"]
