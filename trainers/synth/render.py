"""Text of every checkable statement, rendered from numbers by one function each.

Generation and `synth verify` call the same functions: verification recomputes the numbers with the
emulator, renders them again and requires the rendered sentence both to equal the claim's recorded
`text` and to appear verbatim in the sample's output. A statement is never typed by hand. Functions
with a `style` argument know a few phrasings (for variety in training data); the claim records which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "STYLES",
    "address_text",
    "bug_text",
    "contract_text",
    "entry_text",
    "counterexample_text",
    "equivalence_text",
    "fact_text",
    "fenced",
    "final_text",
    "flags_text",
    "regs_text",
    "run_text",
    "savings_text",
    "size_text",
    "step_text",
    "unnamed_text",
    "values_text",
]

STYLES = 3  # every styled function accepts style in range(STYLES)
_FLAG_LETTERS = "NVMXDIZC"


def _pick(style: int, options: Sequence[str]) -> str:
    if not 0 <= style < len(options):
        raise ValueError(f"style {style} is not one of 0..{len(options) - 1}")
    return options[style]


def fenced(source: str) -> str:
    """A fenced asm block (the body ends with a newline, so the block body equals the source)."""
    return f"```asm\n{source}```"


def address_text(address: int) -> str:
    """`$0DD0` for bank $00/$7E low RAM and I/O, `$7EF360` for anything else."""
    bank, offset = address >> 16, address & 0xFFFF
    if bank == 0 or (bank == 0x7E and offset < 0x2000):
        return f"${offset:04X}"
    return f"${address:06X}"


def flags_text(p: int) -> str:
    """`nvMxdIzc`: upper case = flag set."""
    return "".join(letter if p & (0x80 >> i) else letter.lower() for i, letter in enumerate(_FLAG_LETTERS))


def regs_text(state: Any) -> str:
    return (
        f"A=${state.a:04X} X=${state.x:04X} Y=${state.y:04X} S=${state.s:04X} DBR=${state.dbr:02X} "
        f"P=${state.p:02X} ({flags_text(state.p)})"
    )


def _writes_text(writes: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{address_text(a)}=${v:02X}" for a, v in writes)


def step_text(
    index: int, pc: int, text: str, cycles: int, state: Any, writes: Sequence[tuple[int, int]]
) -> str:
    """One trace line: `3. $00:8004 SBC #$10 (2 cycles) -> A=... ; memory $0E53=$F0`."""
    line = (
        f"{index}. ${pc >> 16:02X}:{pc & 0xFFFF:04X} `{text.upper()}` ({cycles} cycles) -> {regs_text(state)}"
    )
    return f"{line}; memory {_writes_text(writes)}" if writes else line


def final_text(
    cycles: int, instructions: int, state: Any, writes: Sequence[tuple[int, int]], style: int = 0
) -> str:
    memory = f" Memory changed: {_writes_text(writes)}." if writes else " No memory byte changed."
    head = _pick(
        style,
        (
            f"Total: {instructions} instructions, {cycles} cycles including the RTS; final {regs_text(state)}.",
            f"In all {instructions} instructions run in {cycles} cycles (RTS included), ending with {regs_text(state)}.",
            f"The call takes {cycles} cycles over {instructions} instructions, RTS included. Final state: "
            f"{regs_text(state)}.",
        ),
    )
    return head + memory


def values_text(values: Mapping[str, str | int]) -> str:
    """`X=$03, $7E0E53=$05, flag:C=1`."""
    return ", ".join(f"{k}={v}" for k, v in values.items())


def equivalence_text(
    cases: int, outputs: Sequence[str], preserve: Sequence[str], style: int = 0, against: str = "the original"
) -> str:
    """The result of an equivalence check; `against` names the routine compared with."""
    kept = ", ".join(preserve) if preserve else "nothing else"
    return _pick(
        style,
        (
            f"Checked in the emulator on {cases} input states generated from the spec: it produces the same "
            f"{', '.join(outputs)} as {against} and keeps {kept} unchanged.",
            f"Run side by side with {against} on {cases} generated input states, it gives identical "
            f"{', '.join(outputs)} and leaves {kept} as they were.",
            f"Equivalence check against {against} ({cases} spec-generated input states, emulator): same "
            f"{', '.join(outputs)}; {kept} preserved.",
        ),
    )


def savings_text(
    cases: int,
    ref_mean: float,
    ref_max: int,
    cand_mean: float,
    cand_max: int,
    ref_bytes: int,
    cand_bytes: int,
    style: int = 0,
) -> str:
    """The measured cost comparison; every number is computed by the emulator and ASAR."""
    saved_bytes = ref_bytes - cand_bytes
    if saved_bytes > 0:
        size = f"{saved_bytes} bytes saved"
    elif saved_bytes < 0:
        size = f"{-saved_bytes} bytes more"
    else:
        size = "same size"
    saved = ref_mean - cand_mean
    worst = ref_max - cand_max
    return _pick(
        style,
        (
            f"Measured on the same {cases} input states: the original takes {ref_mean:.2f} cycles on average "
            f"({ref_max} worst case), the optimized routine {cand_mean:.2f} ({cand_max} worst case), so it saves "
            f"{saved:.2f} cycles on average and {worst} in the worst case; size {ref_bytes} -> {cand_bytes} bytes "
            f"({size}).",
            f"Cost over those {cases} states: {ref_mean:.2f} -> {cand_mean:.2f} cycles on average (saves {saved:.2f}), "
            f"worst case {ref_max} -> {cand_max} cycles (saves {worst}); {ref_bytes} -> {cand_bytes} bytes ({size}).",
            f"Emulator cycle counts ({cases} states): mean {ref_mean:.2f} before, {cand_mean:.2f} after, a saving of "
            f"{saved:.2f} cycles per call; worst case {ref_max} before, {cand_max} after ({worst} saved). "
            f"Size: {ref_bytes} bytes before, {cand_bytes} after ({size}).",
        ),
    )


def counterexample_text(
    shown: Mapping[str, str | int],
    expected: Mapping[str, str | int],
    got: Mapping[str, str | int],
    background: int,
    style: int = 0,
) -> str:
    given = values_text(shown) if shown else "the generated inputs"
    return _pick(
        style,
        (
            f"Counterexample: with {given} (other state from case seed {background}), the buggy routine leaves "
            f"{values_text(got)} where the correct routine leaves {values_text(expected)}.",
            f"For example, inputs {given} (remaining state from case seed {background}) end with {values_text(got)}, "
            f"but the intended result is {values_text(expected)}.",
            f"A failing case: {given}, everything else from case seed {background}. Result {values_text(got)}; "
            f"expected {values_text(expected)}.",
        ),
    )


def fact_text(address: int, name: str, meaning: str, header: str, style: int = 0) -> str:
    tail = f": {meaning}" if meaning else ""
    return _pick(
        style,
        (
            f"- `{address_text(address)}` is {name} in {header}{tail}.",
            f"- `{address_text(address)}` ({name}, {header}){tail}.",
            f"- `{address_text(address)}` = {name} ({header}){tail}.",
        ),
    )


def unnamed_text(address: int, style: int = 0) -> str:
    return _pick(
        style,
        (
            f"- `{address_text(address)}` is not named in the bundled headers (a work location of this routine).",
            f"- `{address_text(address)}`: no name in the bundled headers; this routine's own work location.",
            f"- `{address_text(address)}` has no header name (a work location used by this routine).",
        ),
    )


def run_text(
    inputs: Mapping[str, str | int], cycles: int, outputs: Mapping[str, str | int], style: int = 0
) -> str:
    given = values_text(inputs) if inputs else "no inputs set"
    zero = "registers, N V Z C and memory not listed are zero; mode from the spec"
    return _pick(
        style,
        (
            f"Example run: with {given} ({zero}) it returns after {cycles} cycles with {values_text(outputs)}.",
            f"For instance, given {given} ({zero}), it takes {cycles} cycles and ends with {values_text(outputs)}.",
            f"Sample call ({zero}): {given} -> {values_text(outputs)} in {cycles} cycles.",
        ),
    )


def size_text(size: int, style: int = 0) -> str:
    return _pick(
        style,
        (f"It assembles to {size} bytes.", f"Code size: {size} bytes.", f"ASAR emits {size} bytes for it."),
    )


def bug_text(line: int, buggy_line: str | None, fixed_line: str, style: int = 0) -> str:
    """Where the bug is: a changed line (`buggy_line`) or a missing one (`buggy_line` None)."""
    fixed = fixed_line.strip()
    if buggy_line is None:
        return _pick(
            style,
            (
                f"Bug: `{fixed}` is missing at line {line}.",
                f"Line {line} lacks `{fixed}`.",
                f"The bug: no `{fixed}` at line {line}.",
            ),
        )
    buggy = buggy_line.strip()
    return _pick(
        style,
        (
            f"Bug on line {line}: `{buggy}` should be `{fixed}`.",
            f"Line {line} is wrong: `{buggy}` must be `{fixed}`.",
            f"The bug is line {line}: `{buggy}`; it should read `{fixed}`.",
        ),
    )


def contract_text(entry: str, call: str, spec: Mapping[str, Any]) -> str:
    """The task contract shown in prompts, rendered from the spec (so verify can re-render it)."""
    mode = spec["mode"]
    kept = ", ".join(spec.get("preserve", [])) or "nothing"
    writable = f"; may also write {', '.join(spec['writable'])}" if spec.get("writable") else ""
    return (
        f"Contract: entry `{entry}` (called with {call.upper()}), m={mode['m']} x={mode['x']} "
        f"at entry, D={mode['D']}, DBR={mode['DBR']}; results: {', '.join(spec['outputs'])}; must keep: "
        f"{kept}{writable}."
    )


def entry_text(initial: Any) -> str:
    """A trace prompt's entry state (an `harness.trainers.synth.runs.Initial`)."""
    memory = ", ".join(f"{address_text(a)}=${v:02X}" for a, v in initial.memory) or "none"
    return (
        f"Entry state: A=${initial.a:04X} X=${initial.x:04X} Y=${initial.y:04X} S=${initial.s:04X} "
        f"D=${initial.d:04X} DBR=${initial.dbr:02X} P=${initial.p:02X} ({flags_text(initial.p)}) "
        f"e={initial.e}. Memory: {memory}; every other WRAM byte is $00."
    )
