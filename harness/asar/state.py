"""Which isolation this machine gives ASAR, measured once per process, and the gate scoring uses.

`sandbox_state()` does not trust feature flags: it assembles a probe source in each level, strongest
first, and keeps the first level whose isolation holds. The probe asks ASAR about a file the
harness created next to (not inside) the work dir:

* FULL must report it missing (`getfilestatus` = 1) and unreadable: nothing outside exists;
* LANDLOCK_ONLY must report it unreadable. ASAR `stat`s before it opens, so Landlock turns an
  existing file into "exists but denied" (2) and a missing one into "missing" (1): one existence
  bit per path leaks. That breaks the rule "no byte and no existence bit of a file outside the
  temp dir reaches a result", so LANDLOCK_ONLY counts as degraded (`SandboxState.degraded`);
* DEGRADED: only rlimits and the textual preflight.

`ASM65816_SANDBOX_LEVEL` (full | landlock_only | degraded) caps the level, for tests and for
machines where a stronger level misbehaves; it can never raise it.
`require_sandbox()` is what scoring calls: it refuses anything degraded unless the user opts in
(`allow_degraded=True`, or `ASM65816_ALLOW_DEGRADED_SANDBOX=1`).
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from harness.asar import isolation, landlock
from harness.asar.cleanup import workdir_prefix
from harness.asar.locate import find_asar
from harness.asar.result import SandboxLevel, SandboxState
from harness.asar.sandbox import SandboxLimits, SandboxSetupError, prepare_jail, run_sandboxed
from harness.errors import HarnessError

__all__ = [
    "ALLOW_DEGRADED_ENV",
    "LEVEL_CAP_ENV",
    "DegradedSandboxError",
    "require_sandbox",
    "sandbox_state",
]

ALLOW_DEGRADED_ENV = "ASM65816_ALLOW_DEGRADED_SANDBOX"
LEVEL_CAP_ENV = "ASM65816_SANDBOX_LEVEL"
_ORDER = (SandboxLevel.FULL, SandboxLevel.LANDLOCK_ONLY, SandboxLevel.DEGRADED)
_PROBE_LIMITS = SandboxLimits(timeout_s=2.0)


class DegradedSandboxError(HarnessError):
    """Scoring was asked to run with a sandbox that can leak files of the machine into results."""


def _level_cap() -> SandboxLevel:
    raw = os.environ.get(LEVEL_CAP_ENV, "").strip().lower()
    if not raw:
        return SandboxLevel.FULL
    try:
        return SandboxLevel(raw)
    except ValueError:
        choices = ", ".join(level.value for level in _ORDER)
        raise HarnessError(f"{LEVEL_CAP_ENV}={raw!r} is not a sandbox level; use one of {choices}") from None


def _probe(level: SandboxLevel, binary: Path) -> str | None:
    """None when ASAR runs at `level` and the isolation holds; otherwise why not, in words."""
    with tempfile.TemporaryDirectory(prefix=workdir_prefix() + "probe-") as scratch:
        outside = Path(scratch) / "outside.txt"
        outside.write_text("x")
        try:
            jail = prepare_jail(Path(scratch), level, binary)
        except (OSError, ValueError) as error:
            return f"cannot prepare the {level.value} sandbox: {error}"
        (jail.work / "probe.asm").write_text(
            f'print "probe ", dec(getfilestatus("{outside}")), " ", dec(canreadfile1("{outside}", 0))\n'
        )
        try:
            outcome = run_sandboxed(["--no-title-check", "probe.asm", "probe.sfc"], jail, _PROBE_LIMITS)
        except SandboxSetupError as error:  # a refused step; the wall-clock backstop is not caught
            return str(error)
    words = outcome.stdout.split()
    if outcome.returncode != 0 or len(words) < 3 or words[-3] != "probe":
        return f"ASAR did not run at level {level.value}: {(outcome.stderr or outcome.stdout).strip()[:300]}"
    status, readable = words[-2], words[-1]
    if readable != "0":
        return f"at level {level.value} ASAR could read a file outside its work dir"
    if level is SandboxLevel.FULL and status != "1":
        return "in the namespace root a file outside the work dir still exists"
    return None


@lru_cache(maxsize=4)
def _measure(binary_text: str, cap: SandboxLevel) -> SandboxState:
    binary = Path(binary_text)
    reasons: list[str] = []
    abi = landlock.abi_version()
    for level in _ORDER[_ORDER.index(cap) :]:
        if level is SandboxLevel.FULL and not isolation.supported():
            reasons.append("namespaces: not Linux on a known architecture")
            continue
        if level is not SandboxLevel.DEGRADED and not landlock.available():
            reasons.append("Landlock: not available in this kernel")
            continue
        if level is SandboxLevel.DEGRADED:
            break
        failure = _probe(level, binary)
        if failure is None:
            return SandboxState(level, _describe(level, reasons, cap), abi)
        reasons.append(failure)
    return SandboxState(SandboxLevel.DEGRADED, _describe(SandboxLevel.DEGRADED, reasons, cap), abi)


_MEANING = {
    SandboxLevel.FULL: "ASAR runs in its own user+mount namespace whose root holds only ASAR, its "
    "libraries and the temp dir, with Landlock on top: no file of the machine exists for it",
    SandboxLevel.LANDLOCK_ONLY: "Landlock only: files outside the temp dir cannot be read, but whether a "
    "path exists still leaks (EACCES vs ENOENT)",
    SandboxLevel.DEGRADED: "no file isolation: a source can read any file this user can read, "
    "through names the textual preflight cannot see",
}


def _describe(level: SandboxLevel, reasons: list[str], cap: SandboxLevel) -> str:
    text = _MEANING[level]
    if cap is not SandboxLevel.FULL:
        text += f" (capped by {LEVEL_CAP_ENV}={cap.value})"
    if reasons:
        text += "; stronger levels unavailable: " + "; ".join(reasons)
    return text


def sandbox_state() -> SandboxState:
    """The isolation `assemble` uses in this process (measured once per binary and cap).

    Raises ToolMissingError/ToolMismatchError when ASAR is missing: no state without the tool.
    """
    return _measure(str(find_asar().path), _level_cap())


def require_sandbox(allow_degraded: bool = False) -> SandboxState:
    """The state, or `DegradedSandboxError` when it is degraded and the user has not opted in.

    Opt in with `allow_degraded=True` (a CLI flag) or `ASM65816_ALLOW_DEGRADED_SANDBOX=1`.
    """
    state = sandbox_state()
    if not state.degraded or allow_degraded or os.environ.get(ALLOW_DEGRADED_ENV) == "1":
        return state
    raise DegradedSandboxError(
        f"the ASAR sandbox is {state.level.value}: {state.detail}. Scoring refuses a sandbox through "
        f"which a candidate could read or probe files of this machine. Fix: run where user namespaces "
        f"(unshare) and Landlock are available, or opt in with {ALLOW_DEGRADED_ENV}=1 (or the CLI's "
        "--allow-degraded-sandbox); results then record the degraded state."
    )
