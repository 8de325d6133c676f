"""The sandboxed ASAR backend, always against the real ASAR 1.91 binary (never mocked)."""

from __future__ import annotations

import tempfile
import time

import pytest

from harness.asar import AssembleStatus, SandboxLimits, assemble, assemble_many, landlock
from harness.cli import main

DAMAGE = """\
; enemy damage, X = sprite slot
Damage:
  LDA $0E50,X     ; hit points
  SEC
  SBC #$10
  STA $0E50,X
  BPL .alive
  STZ $0DD0,X     ; free the slot
.alive
  RTS
"""


def test_valid_routine_gives_bytes_symbols_and_caller_lines():
    result = assemble(DAMAGE)
    assert result.ok, result.error_text()
    assert result.symbols["Damage"] == 0x008000
    assert result.symbols["Damage_alive"] == 0x00800E
    assert [(s.address, s.data.hex()) for s in result.segments] == [
        (0x008000, "bd500e38e9109d500e10039ed00d60")
    ]
    assert result.size == 15
    # line_map is in the caller's text: LDA is line 3, RTS line 10 (the wrapper adds no offset)
    assert result.line_map[0x008000] == 3
    assert result.line_map[0x00800E] == 10


def test_errors_report_lines_of_the_callers_text():
    result = assemble("Main:\n  LDA #$12\n  LDQ $10\n  STZ $7E0010\n  RTS\n")
    assert result.status is AssembleStatus.ERROR
    assert [(m.line, m.code) for m in result.errors] == [(3, "Eunknown_command"), (4, "Eunknown_command")]
    assert result.errors[0].source_line == "LDQ $10"


def test_macro_errors_name_the_calling_line():
    source = "macro bad()\n  LDA #)\nendmacro\nMain:\n  %bad()\n  RTS\n"
    result = assemble(source)
    assert not result.ok
    # ASAR names the line of the `macro` statement; we add the calling line of the caller's text
    assert result.errors[0].line == 1 and "called from line 5" in result.errors[0].message


def test_hirom_and_fastrom_addresses():
    hirom = assemble("Main:\n  NOP\n  RTL\n", mapper="hirom")
    assert hirom.ok and hirom.symbols["Main"] == 0xC00000 and hirom.segments[0].address == 0xC00000
    fast = assemble("org $808000\nMain:\n  NOP\n  RTL\n")
    assert fast.ok and fast.segments[0].address == 0x808000 and fast.symbols["Main"] == 0x808000


def test_written_ranges_exclude_padding_and_keep_written_zeros():
    result = assemble("org $008000\n  db 0,0\norg $008010\n  db 1\n")
    assert result.ok
    assert [(s.address, s.data) for s in result.segments] == [(0x008000, b"\0\0"), (0x008010, b"\x01")]
    assert result.size == 3


def test_headers_are_includable_by_name_only():
    result = assemble(
        'incsrc "snes.asm"\nincsrc "alttp_ram.asm"\nMain:\n  LDA !SPR_HP,x\n  STA !WRMPYA\n  RTS\n'
    )
    assert result.ok, result.error_text()
    assert result.segments[0].data.hex() == "bd500e8d024260"


ADVERSARIAL = {
    "incbin_absolute": 'incbin "/etc/hostname"\n',
    "incsrc_parent": 'incsrc "../x.asm"\n',
    "incsrc_absolute": 'incsrc "/etc/passwd"\n',
    "table_file": 'table "/etc/hostname"\n',
    "readfile_function": 'db readfile1("/etc/hostname", 0)\n',
    "recursive_macro": "macro r()\n%r()\nendmacro\n%r()\n",
    "fill_16_mib": "fill $1000000\n",
    "fill_16_mib_hirom": "hirom\norg $C00000\nfill $1000000\n",
    "binary_garbage": bytes(range(1, 256)).decode("latin-1") * 40,
    "nul_bytes": "NOP\n\x00\x01\x02",
    "empty": "",
    "comments_only": "; nothing here\n\n",
    "one_mb_of_nops": "NOP\n" * 262_144,
}


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile at an empty dir so leftovers are visible."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_sources_fail_cleanly_fast_and_leave_nothing(name, private_tmp):
    started = time.monotonic()
    result = assemble(ADVERSARIAL[name])
    assert time.monotonic() - started < 10
    assert not result.ok
    assert result.errors and all(m.code for m in result.errors)
    assert list(private_tmp.iterdir()) == []


def test_infinite_while_times_out_within_limit(private_tmp):
    # The budget is CPU time (the verdict must not depend on load); wall-clock only has to stay
    # under the backstop (10 x the budget), however busy the machine is.
    started = time.monotonic()
    result = assemble("while 1\nendwhile\n", limits=SandboxLimits(timeout_s=2))
    assert result.status is AssembleStatus.TIMEOUT and result.cpu_seconds < 3
    assert time.monotonic() - started < 20
    assert list(private_tmp.iterdir()) == []


@pytest.mark.skipif(not landlock.available(), reason="Landlock is not available on this kernel")
def test_file_reads_built_from_defines_are_denied_by_the_sandbox():
    # The preflight cannot see `readfile1` here: it is assembled from two defines at ASAR time.
    # FULL: the file does not exist in ASAR's root; LANDLOCK_ONLY: opening it is denied.
    result = assemble('!r = readfi\n!s = le1\ndb !r!s("/etc/hostname", 0)\n')
    assert not result.ok and result.rom == b""
    assert result.errors[0].code in ("Efile_not_found", "Efailed_to_open_file_access_denied")


def test_batch_matches_serial_in_order():
    sources = [f"Main{i}:\n  LDA #${i:02X}\n  RTS\n" for i in range(12)] + ["  LDQ #1\n"]
    batch = assemble_many(sources, workers=2)
    serial = [assemble(s) for s in sources]
    assert [r.segments for r in batch] == [r.segments for r in serial]
    assert [r.status for r in batch] == [AssembleStatus.OK] * 12 + [AssembleStatus.ERROR]


def test_cli_assemble_valid_prints_bytes_and_symbols(tmp_path, capsys):
    path = tmp_path / "damage.asm"
    path.write_text(DAMAGE)
    assert main(["assemble", str(path)]) == 0
    out = capsys.readouterr().out
    assert "$008000: BD 50 0E 38" in out and "$008000 Damage" in out and "15 bytes" in out


def test_cli_assemble_invalid_exits_nonzero_with_line_code_message(tmp_path, capsys):
    path = tmp_path / "bad.asm"
    path.write_text("Main:\n  LDA #$12\n  LDQ $10\n")
    assert main(["assemble", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: (Eunknown_command) Unknown command." in err


def test_no_temp_dirs_leak_from_normal_runs(private_tmp):
    assert assemble(DAMAGE).ok
    assert not assemble("  LDQ\n").ok
    assert list(private_tmp.iterdir()) == []


def test_code_in_expanded_rom_banks_assembles():
    """ROM hacks put new code past the first MiB (banks $20 and up); the size limit allows 4 MiB."""
    result = assemble("org $3F8000\nMain:\n  RTL\n")
    assert result.status is AssembleStatus.OK, result.error_text()
    assert result.symbols["Main"] == 0x3F8000
