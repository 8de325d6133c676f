"""A failed assembly handed to the emulator is a clear error naming ASAR's messages."""

from __future__ import annotations

import pytest

from harness.errors import HarnessError

pytestmark = pytest.mark.usefixtures("asar")


def test_a_failed_assembly_is_refused_with_its_errors() -> None:
    from harness.asar import assemble
    from harness.emu import Machine

    with pytest.raises(HarnessError, match=r"failed assembly.*\(Eunknown_command\) Unknown command"):
        Machine.from_assembly(assemble("Main:\n  LDQ\n"))
