"""The asm65816 task suite: generators of the dataset, mutation operators, and validation.

- `harness.suite.kernels`: parametrised SNES routines (reference, slow drafts, bugs, facts)
- `harness.suite.build`: deterministic build of tasks/asm65816/data (`asm65816 tasks build`)
- `harness.suite.mutate`: `mutants(source)`, single-point mutants of 65816 source (reused by training)
- `harness.suite.validate`: task checks and mutation adequacy (`asm65816 tasks validate`)
Importing the package does no work; submodules import ASAR/emulator helpers on first use.
"""

from harness.suite.mutate import Mutant, Operator, mutants

__all__ = ["Mutant", "Operator", "mutants"]
