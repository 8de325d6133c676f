"""Red team for the ASAR sandbox (issue "Score integrity", classes 6, 7, 8, 9, 10 and 14).

Every attack asserts the honest verdict: the real size or a named failure, never a smaller size, a
pass for a bomb, a load-dependent verdict, a leftover process or temp dir, or a byte or existence
bit of a file outside the work dir. Always against the real ASAR 1.91 binary.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from harness.asar import (
    ALLOW_DEGRADED_ENV,
    LEVEL_CAP_ENV,
    AssembleStatus,
    DegradedSandboxError,
    SandboxLevel,
    SandboxLimits,
    SandboxRunError,
    SandboxSetupError,
    assemble,
    assemble_many,
    find_asar,
    isolation,
    require_sandbox,
    sandbox_state,
    sweep_stale_workdirs,
)
from harness.cli import main

# `harness.asar.assemble` the attribute is the function; the module holds the helpers under test
assemble_module = importlib.import_module("harness.asar.assemble")

FULL = pytest.mark.skipif(
    sandbox_state().level is not SandboxLevel.FULL, reason="needs user namespaces + Landlock (FULL sandbox)"
)
LANDLOCK = pytest.mark.skipif(sandbox_state().level is SandboxLevel.DEGRADED, reason="needs Landlock")


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile at an empty dir so leftovers are visible."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _bytes(result) -> bytes:
    return b"".join(segment.data for segment in result.segments)


# ---------------------------------------------------------------------------------------------
# Class 6: a routine cannot tell the probe run from the real one, so it cannot shrink its size.


# Each source tries to emit 1 byte when it thinks it is in the probe run and the real code otherwise.
# Honest verdict: both runs see the same world, so the full code is counted (or both fail alike).
def _probe_detector(prelude: str, condition: str) -> str:
    return f"{prelude}if {condition}\n  db $EA\nelse\n  LDA #$12\n  STA $10\n  RTS\nendif\n"


PROBE_DETECTORS = {
    # canread1 differed between runs before (no ROM vs a $FF-filled copy)
    "canread_rom": _probe_detector("", "canread1($008000)"),
    # the name of the padding define is public; its value must not be
    "padding_define": _probe_detector("", 'defined("asm65816_padding_byte")'),
    # the output ROM file exists in both runs, empty
    "rom_file_size": _probe_detector("!f = files\n!g = ize\n", '!f!g("out.sfc") > 0'),
    # the symbol file of the first run must be gone when the second starts
    "symbols_of_first_run": _probe_detector("!s = getfiles\n!t = tatus\n", '!s!t("out.sym") == 0'),
    # the wrapper is the same text in both runs (the padding arrives on the command line)
    "wrapper_text": _probe_detector(
        "!r = readfi\n!s = le1\n!c = canreadfi\n",
        '!c!s("harness_main.asm", 30) && !r!s("harness_main.asm", 30) == $46',
    ),
}


@pytest.mark.parametrize("name", sorted(PROBE_DETECTORS))
def test_probe_detectors_get_the_full_size_counted(name):
    result = assemble(PROBE_DETECTORS[name])
    assert result.status is AssembleStatus.OK, result.error_text()
    assert result.size > 1 and _bytes(result)[:2] == bytes.fromhex("a912")


@FULL
def test_the_probe_define_is_invisible_through_proc():
    # In the namespace root there is no /proc: ASAR's command line (with the padding) is unreadable.
    source = '!s = getfiles\n!t = tatus\ndb !s!t("/proc/self/cmdline"), !s!t("/proc")\nRTS\n'
    result = assemble(source)
    assert result.ok and _bytes(result) == bytes([1, 1, 0x60])


@pytest.mark.parametrize(
    "source",
    [
        "Main:\n  LDA #$00\n  db read1($008002)\n  RTS\n",  # copy the padding under itself
        "org $018000\nfill $100\nfreecode\nMain:\n  RTS\n",  # freespace search over the padding
        "autoclean JSL Main\nMain:\n  RTL\n",  # autoclean reads the ROM
    ],
)
def test_rom_readers_fail_the_same_in_both_runs(source):
    result = assemble(source)
    assert result.status is AssembleStatus.ERROR and result.errors


LEAKY_SOURCES = {
    # with the padding visible (simulated leak), each of these would fake a smaller size
    "shorter_code": "if !asm65816_padding_byte == 0\n  LDA #$12\n  STA $10\n  RTS\nelse\n  RTS\nendif\n",
    "other_label": "if !asm65816_padding_byte == 0\nMain:\n  NOP\nelse\n  NOP\nMain:\nendif\n  RTS\n",
    "different_bytes": "db !asm65816_padding_byte+1\nRTS\n",
    "printed_text": "print hex(!asm65816_padding_byte)\nRTS\n",
}


@pytest.mark.parametrize("name", sorted(LEAKY_SOURCES))
def test_a_source_that_sees_the_probe_is_nondeterministic(name, monkeypatch):
    # Simulate a leak: a wrapper that forgets to undefine the padding define.
    original = assemble_module._wrapper
    monkeypatch.setattr(
        assemble_module, "_wrapper", lambda job: original(job).replace('undef "asm65816_padding_byte"', "")
    )
    result = assemble(LEAKY_SOURCES[name])
    assert result.status is AssembleStatus.NONDETERMINISTIC
    assert result.errors[0].code == "Enondeterministic" and result.size == 0 and result.rom == b""


def test_image_comparison_accepts_only_padding_differences():
    first, second = bytes([0x12, 0x00, 0x00, 0x60]), bytes([0x12, 0xFF, 0x00, 0x60])
    mask = assemble_module._written_mask(first, second)
    assert assemble_module._inconsistency(first, second, mask) is None
    for other in (bytes([0x13, 0xFF, 0x00, 0x60]), bytes([0x12, 0x00, 0xFF, 0x61])):
        assert assemble_module._inconsistency(first, other, assemble_module._written_mask(first, other))
    # $FF in the first run and $00 in the second is not padding either
    swapped = assemble_module._written_mask(second, first)
    assert assemble_module._inconsistency(second, first, swapped)


# ---------------------------------------------------------------------------------------------
# Class 7: resource bombs are named, fast, small failures.

BOMBS = {
    "bankcross_fillword_4mib": ("check bankcross off\nfillword $00FF\nfill $3EFFE0\n", "Elimit_bytes"),
    "fill_4mib_hirom": ("hirom\ncheck bankcross off\nfill $400000\n", "Elimit_bytes"),
    "written_96kib": ("check bankcross off\nfill $18000\n", "Elimit_bytes"),
    "segments_every_other_byte": (
        "!i = 0\nwhile !i < 600\norg $008000+(!i*2)\n  db 1\n!i #= !i+1\nendwhile\n",
        "Elimit_segments",
    ),
    "labels_20000": ("!i = 0\nwhile !i < 20000\nL!i = !i\n!i #= !i+1\nendwhile\nRTS\n", "Elimit_symbols"),
    "define_doubling": (
        '!a = "xxxxxxxxxxxxxxxx"\n!i = 0\nwhile !i < 40\n!a := "!a!a"\n!i #= !i+1\nendwhile\n',
        "Elimit_memory",
    ),
    "source_300kib": ("NOP\n" * 76_800, "Elimit_source"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_resource_bombs_are_named_limits(name, private_tmp):
    source, code = BOMBS[name]
    started = time.monotonic()
    result = assemble(source)
    assert result.status is AssembleStatus.LIMIT, result.error_text()
    assert result.errors[0].code == code and "harness limit" in result.errors[0].message
    assert result.rom == b"" and result.segments == ()
    assert result.cpu_seconds < 3 and time.monotonic() - started < 20  # CPU bound; wall only backstopped
    assert list(private_tmp.iterdir()) == []


def test_an_output_file_past_the_size_limit_is_a_named_limit():
    result = assemble("hirom\ncheck bankcross off\nfill $400000\n", limits=SandboxLimits(file_bytes=2 << 20))
    assert result.status is AssembleStatus.LIMIT and result.errors[0].code == "Elimit_output"


def test_a_rom_image_past_the_size_limit_is_a_named_limit():
    result = assemble("org $BFFFFF\n  db 1\n", limits=SandboxLimits(max_rom_bytes=1 << 20))
    assert result.status is AssembleStatus.LIMIT and result.errors[0].code == "Elimit_rom"
    assert "max_rom_bytes=1 MiB" in result.errors[0].message


def test_limits_are_configurable_and_named_with_their_value():
    result = assemble("Main:\n  NOP\n  NOP\n  RTS\n", limits=SandboxLimits(max_written_bytes=2))
    assert result.status is AssembleStatus.LIMIT and result.errors[0].code == "Elimit_bytes"
    assert (
        "writes 3 bytes" in result.errors[0].message
        and "max_written_bytes=2 bytes" in result.errors[0].message
    )


def test_written_segments_are_linear_on_a_megabyte():
    # A 1 MiB alternating pattern: 512 Ki runs. The scan is in C and stops after the cap.
    first = bytes([0x11, 0x00]) * (512 * 1024)
    second = bytes([0x11, 0xFF]) * (512 * 1024)
    started = time.perf_counter()
    segments = assemble_module._written_segments(first, second, "lorom", False, max_segments=256)
    mask = assemble_module._written_mask(first, second)
    assert assemble_module._inconsistency(first, second, mask) is None and mask.count(0) == 512 * 1024
    assert time.perf_counter() - started < 1.0
    assert len(segments) == 257 and segments[0].address == 0x008000 and segments[0].data == b"\x11"


# ---------------------------------------------------------------------------------------------
# Class 8: the verdict depends on CPU time, never on wall-clock load.


def _loop(iterations: int) -> str:
    return f"!i = 0\nwhile !i < {iterations}\n!i #= !i+1\nendwhile\nMain:\n  RTS\n"


def _asar_children(parent: int) -> list[int]:
    """Live ASAR processes started by `parent` for an assembly (not the sandbox probe)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z" and b"harness_main.asm" in command:
            found.append(int(entry.name))
    return found


def test_a_stalled_but_cheap_assembly_still_passes(private_tmp):
    # Simulated load: ASAR is stopped (gets no CPU) for longer than its CPU budget. With a
    # wall-clock budget this was a TIMEOUT; with a CPU budget it is the same verdict as idle.
    per_run = assemble(_loop(20_000)).cpu_seconds / 2
    iterations = max(2_000, int(20_000 * 0.3 / max(per_run, 0.01)))

    def stall() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            children = _asar_children(os.getpid())
            if children:
                os.kill(children[0], signal.SIGSTOP)
                time.sleep(1.5)
                os.kill(children[0], signal.SIGCONT)
                return
            time.sleep(0.005)

    staller = threading.Thread(target=stall)
    staller.start()
    started = time.monotonic()
    result = assemble(_loop(iterations), limits=SandboxLimits(timeout_s=1))
    staller.join()
    assert time.monotonic() - started > 1.5  # more wall-clock than the budget...
    assert result.status is AssembleStatus.OK, result.error_text()  # ...and still the idle verdict


def test_cpu_hogs_time_out_on_cpu_seconds():
    started = time.monotonic()
    result = assemble("while 1\nendwhile\n", limits=SandboxLimits(timeout_s=1))
    assert result.status is AssembleStatus.TIMEOUT and result.errors[0].code == "Etimeout"
    # rusage samples CPU time; the kernel's RLIMIT_CPU timer is exact, so the measure can read a bit low
    assert "CPU" in result.errors[0].message and 0.7 <= result.cpu_seconds < 2
    assert time.monotonic() - started < 10  # the wall-clock backstop, whatever the load


def test_wall_clock_backstop_is_a_harness_error_not_a_timeout(private_tmp):
    with pytest.raises(SandboxRunError, match="not the candidate's failure"):
        assemble("while 1\nendwhile\n", limits=SandboxLimits(timeout_s=2, wall_backstop_factor=0.1))
    assert list(private_tmp.iterdir()) == []


def test_verdicts_do_not_depend_on_the_worker_count():
    sources = [PROBE_DETECTORS["canread_rom"], BOMBS["fill_4mib_hirom"][0], "  LDQ\n", "Main:\n  RTS\n"] * 2
    one = assemble_many(sources, workers=1)
    two = assemble_many(sources, workers=2)
    assert [(r.status, r.size, r.errors) for r in one] == [(r.status, r.size, r.errors) for r in two]


# ---------------------------------------------------------------------------------------------
# Class 9: killing the scoring process leaves no ASAR and no temp dir with the candidate's source.

VICTIM = textwrap.dedent(
    """
    import signal, sys
    from harness.asar import assemble, install_termination_cleanup
    # as in a terminal, whatever launched the tests (nohup or a background job ignores SIGHUP/SIGINT)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if sys.argv[1] == "cleanup":
        install_termination_cleanup()
    print("ready", flush=True)
    assemble("while 1\\nendwhile\\n")
    """
)


def _start_victim(tmp: Path, mode: str) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM, mode], env=env, stdout=subprocess.PIPE, text=True
    )
    assert victim.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = _asar_children(victim.pid)
        if children:
            return victim, children[0]
        time.sleep(0.01)
    victim.kill()
    pytest.fail("the victim never started ASAR")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # dead, waiting for init to reap it


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_termination_signals_kill_asar_and_remove_the_temp_dir(signum, tmp_path):
    victim, asar = _start_victim(tmp_path, "cleanup")
    assert [p.name for p in tmp_path.iterdir()] and (
        next(tmp_path.iterdir()) / "root" / "work" / "input.asm"
    ).exists()
    victim.send_signal(signum)
    assert victim.wait(timeout=10) != 0
    assert _wait_gone(asar)
    assert list(tmp_path.iterdir()) == []


def test_sigkill_kills_asar_with_its_parent_and_the_dir_is_swept(tmp_path):
    victim, asar = _start_victim(tmp_path, "plain")
    victim.kill()
    victim.wait(timeout=10)
    assert _wait_gone(asar)  # PR_SET_PDEATHSIG
    leftovers = list(tmp_path.iterdir())
    assert leftovers and leftovers[0].name.startswith(f"asm65816-asar-{victim.pid}-")
    assert sweep_stale_workdirs(tmp_path, older_than_s=0) == leftovers
    assert list(tmp_path.iterdir()) == []


def test_sweep_keeps_dirs_of_live_processes_and_recent_ones(tmp_path):
    mine = tmp_path / f"asm65816-asar-{os.getpid()}-x"
    mine.mkdir()
    assert sweep_stale_workdirs(tmp_path, older_than_s=0) == []
    assert mine.exists()


# ---------------------------------------------------------------------------------------------
# Class 10: no byte and no existence bit of a file outside the work dir reaches a result.


def _status_bytes(*paths: str) -> bytes:
    calls = ", ".join(f'!s!t("{path}")' for path in paths)
    result = assemble(f"!s = getfiles\n!t = tatus\ndb {calls}\n")
    assert result.ok, result.error_text()
    return _bytes(result)


@FULL
def test_existing_and_missing_system_files_look_the_same():
    here = str(Path(__file__).resolve())
    binary = str(find_asar().path)  # ASAR itself is mounted in the root, but at a random path
    existing = _status_bytes(
        "/etc/hostname", "/usr/lib/os-release", here, binary, "/lib/x86_64-linux-gnu/libc.so.6"
    )
    missing = _status_bytes(
        "/etc/no-such", "/usr/lib/no-such", here + ".nope", binary + ".nope", "/lib/no-such.so"
    )
    assert existing == missing == bytes([1] * 5)


@FULL
@pytest.mark.parametrize(
    "source",
    [
        '!a = readfi\n!b = le1\ndb !a!b("/usr/lib/os-release", 0)\n',
        '!a = incs\n!b = rc\n!a!b "/etc/passwd"\n',
        '!a = incb\n!b = in\n!a!b "/etc/hostname"\n',
        '!a = readfi\n!b = le1\ndb !a!b("../../../../etc/hostname", 0)\n',
    ],
)
def test_file_reads_built_from_defines_say_not_found(source):
    result = assemble(source)
    assert result.status is AssembleStatus.ERROR
    assert result.errors[0].code == "Efile_not_found" and "wasn't found" in result.errors[0].message


@LANDLOCK
def test_landlock_alone_leaks_existence_and_is_classified_degraded(monkeypatch):
    monkeypatch.setenv(LEVEL_CAP_ENV, "landlock_only")
    state = sandbox_state()
    assert state.level is SandboxLevel.LANDLOCK_ONLY and state.degraded
    # measured, not assumed: under Landlock alone ASAR tells an existing file from a missing one
    assert _status_bytes(str(Path(__file__).resolve())) != _status_bytes("/no/such/file")
    assert "exists still leaks" in state.detail


def test_require_sandbox_refuses_degraded_unless_opted_in(monkeypatch):
    monkeypatch.delenv(ALLOW_DEGRADED_ENV, raising=False)
    monkeypatch.setenv(LEVEL_CAP_ENV, "degraded")
    with pytest.raises(DegradedSandboxError, match=ALLOW_DEGRADED_ENV):
        require_sandbox()
    assert require_sandbox(allow_degraded=True).level is SandboxLevel.DEGRADED
    monkeypatch.setenv(ALLOW_DEGRADED_ENV, "1")
    assert require_sandbox().degraded
    result = assemble("Main:\n  RTS\n")
    assert result.ok and result.sandbox.level is SandboxLevel.DEGRADED
    assert result.to_json()["sandbox"]["degraded"] is True


@FULL
def test_a_refused_sandbox_step_is_a_harness_error_not_a_verdict(monkeypatch, private_tmp):
    def refuse(plan):
        raise OSError(1, "unshare(CLONE_NEWUSER|CLONE_NEWNS): Operation not permitted")

    monkeypatch.setattr(isolation, "enter_root", refuse)
    with pytest.raises(SandboxSetupError, match="Operation not permitted"):
        assemble("Main:\n  RTS\n")
    assert list(private_tmp.iterdir()) == []


def test_cli_prints_the_sandbox_state(capsys):
    assert main(["asar", "sandbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["level"] == sandbox_state().level.value


def test_a_bad_level_cap_names_the_choices(monkeypatch):
    monkeypatch.setenv(LEVEL_CAP_ENV, "strong")
    with pytest.raises(Exception, match="full, landlock_only, degraded"):
        sandbox_state()


@FULL
def test_results_record_the_sandbox_state_and_cpu_time(monkeypatch):
    monkeypatch.delenv(LEVEL_CAP_ENV, raising=False)
    assert require_sandbox().level is SandboxLevel.FULL
    result = assemble("Main:\n  RTS\n")
    view = result.to_json()
    assert view["sandbox"] == {
        "level": "full",
        "degraded": False,
        "detail": result.sandbox.detail,
        "landlock_abi": result.sandbox.landlock_abi,
    }
    assert 0 < view["cpu_seconds"] < 1
    assert assemble("  LDQ\n").sandbox is result.sandbox and assemble("").sandbox is result.sandbox


def test_probe_levels_are_measured_per_cap(monkeypatch):
    # the cache is keyed on the cap: switching it back gives the uncapped state again
    monkeypatch.delenv(LEVEL_CAP_ENV, raising=False)
    uncapped = sandbox_state()
    monkeypatch.setenv(LEVEL_CAP_ENV, "degraded")
    assert sandbox_state().level is SandboxLevel.DEGRADED and "capped by" in sandbox_state().detail
    monkeypatch.delenv(LEVEL_CAP_ENV)
    assert sandbox_state() == uncapped


# ---------------------------------------------------------------------------------------------
# Class 14: the mapper ASAR uses is the mapper the harness emulates.


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("nop : norom\nMain:\n  RTS\n", "Esandbox"),  # ` : ` separated statements are read
        ("Main:\n  NOP : sa1rom : RTS\n", "Esandbox"),
        ("!m = norom\n!m\nMain:\n  RTS\n", "Emapper_changed"),  # through a define
        ("macro m(x)\n  <x>\nendmacro\n%m(exlorom)\nMain:\n  RTS\n", "Emapper_changed"),  # through a macro
        ("!a = hi\n!b = rom\n!a!b\nMain:\n  RTL\n", "Emapper_changed"),  # HiROM hidden from a LoROM run
        ("lorom\nMain:\n  RTS\nhirom\n", "Esandbox"),  # two visible, different mappers
    ],
)
def test_hidden_or_unsupported_mappers_fail_clearly(source, code):
    result = assemble(source)
    assert not result.ok and result.errors[0].code == code, result.error_text()
    assert "mapper" in result.errors[0].message


def test_hidden_lorom_under_a_hirom_harness_fails():
    result = assemble("!l = lo\n!r = rom\n!l!r\nMain:\n  RTL\n", mapper="hirom")
    assert result.errors[0].code == "Emapper_changed" and "hirom" in result.errors[0].message


def test_overriding_the_mapper_functions_does_not_hide_a_switch():
    # The attacker silences the warnings and redefines pctosnes/snestopc so the final assertion
    # passes; the line addresses ASAR reports still disagree with where the bytes landed.
    source = (
        "!w = warnings\n!w disable Wfeature_deprecated\n!w disable Wmapper_already_set\n"
        "function pctosnes(x) = $808000\nfunction snestopc(x) = select(equal(x,$C00000),$200000,0)\n"
        "!n = norom\n!n\norg $008000\nMain:\n  LDA #$01\n  RTS\n"
    )
    result = assemble(source)
    assert result.status is AssembleStatus.REJECTED and result.errors[0].code == "Emapper_changed"


def test_a_statement_level_hirom_declaration_runs_as_hirom():
    result = assemble("nop : hirom\nMain:\n  RTL\n")
    assert result.ok and result.mapper == "hirom" and result.symbols["Main"] == 0xC00001
    assert result.warnings == ()


def test_errors_keep_caller_line_numbers_with_the_mapper_assertion():
    result = assemble("hirom\nMain:\n  LDQ #1\n  RTL\n")
    assert [(m.line, m.code) for m in result.errors] == [(3, "Eunknown_command")]


# ---------------------------------------------------------------------------------------------
# Legitimate routines are never refused by the preflight, the namespace, Landlock or the checks.

LEGIT = {
    "headers": (
        'incsrc "snes.asm"\nincsrc "alttp_ram.asm"\nMain:\n  LDA !SPR_HP,x\n  STA !WRMPYA\n  RTS\n',
        "bd500e8d024260",
    ),
    "macros_defines_data": (
        "!speed = $04\nmacro add(v)\n  CLC : ADC #<v>\nendmacro\n"
        "Main:\n  %add(!speed)\n  LDA table,x\n  RTS\n"
        "table:\n  db 1,2\n  dw $1234\n  dl $7E0010\nIncbinLike: db 0\n",
        "186904bd0780600102341210007e00",
    ),
    "if_while_bounded": (
        "!n = 0\nwhile !n < 3\n  INX\n  !n #= !n+1\nendwhile\nif 1 == 1\n  RTS\nelse\n  BRK\nendif\n",
        "e8e8e860",
    ),
    "fastrom_org_and_vectors": (
        "org $808000\nMain:\n  NOP\n  RTL\npushpc\norg $80FFFC\n  dw Main\npullpc\n",
        "ea6b0080",
    ),
    "base_and_zero_length_lines": (
        'Main:\n  JML Ram\nbase $7E2000\nRam:\n  NOP\n  RTL\nbase off\n  fill 0\n  db ""\n',
        "5c00207eea6b",
    ),
    "second_bank": ("Main:\n  JSL Far\n  RTL\norg $018000\nFar:\n  RTL\n", "220080016b6b"),
    "lorom_declared": ("lorom\nMain:\n  RTS\n", "60"),
}


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_legitimate_routines_assemble_exactly(name, private_tmp):
    source, expected = LEGIT[name]
    result = assemble(source)
    assert result.status is AssembleStatus.OK, result.error_text()
    assert _bytes(result).hex() == expected
    assert not [w for w in result.warnings if w.code == "Wmapper_already_set"]
    assert list(private_tmp.iterdir()) == []


def test_the_mapper_check_maps_addresses_exactly_like_the_emulator():
    from harness.emu.snes import Mapper, rom_offset

    for mapper in Mapper:
        for bank in range(0x100):
            for low in (0x0000, 0x1FFF, 0x6000, 0x7FFF, 0x8000, 0xFFFF):
                address = bank << 16 | low
                assert assemble_module.address_to_rom_offset(address, mapper.value) == rom_offset(
                    address, mapper
                )
