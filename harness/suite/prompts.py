"""Prompt text for every family. Each prompt is self-contained: it names the entry label, the call
convention, the CPU mode at entry, what is observable, and the output contract.

Code prompts (gen/optimize/fix) state every rule the grader enforces (`rules_text`) and a contract
block generated from the spec itself (`contract_block`: every input with its domain, every output,
every kept register, what else may be written), so the prompt and the spec cannot disagree;
`prompt_spec_problems` is the cross-check `tasks validate` runs. Trace prompts ask for a final block of
`LOCATION=VALUE` lines (`harness.verify.answers.TRACE_ANSWER_FORMAT`, the form the parser trusts most)
after any reasoning. Explain prompts ask for a checkable summary block (`harness.score.explain`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.suite.routines import HEADER_NAMES, Routine, mode_sentence

__all__ = [
    "EXPLAIN_SUMMARY_FORMAT",
    "RULES_HEADING",
    "contract_block",
    "explain_prompt",
    "fix_prompt",
    "gen_prompt",
    "header_note",
    "mc_prompt",
    "optimize_prompt",
    "prompt_spec_problems",
    "rules_text",
    "trace_prompt",
]

RULES_HEADING = "Rules (the grader checks every one):"
_KEPT_NAMES = {"flag:m": "m", "flag:x": "x", "flag:D": "the decimal flag", "D": "D", "DBR": "DBR"}


def rules_text(call: str, preserve: Sequence[str], hook: bool = False) -> str:
    """The rules the grader enforces for code answers, for a routine called with `call` that must keep
    `preserve` (the spec's list: whichever of m, x, the decimal flag, D, DBR it names); `hook`: the
    answer patches a base image (its `org`s are part of the answer, as the task says)."""
    ret = "RTS" if call == "jsr" else "RTL"
    syntax = (
        "- ASAR 1.91 syntax; `org` only where the task says (the patch and the new code's origin); "
        if hook
        else "- ASAR 1.91 syntax; no `org` or header is needed; "
    )
    kept = [name for loc, name in _KEPT_NAMES.items() if loc in preserve]
    mode = (
        f"; {', '.join(kept[:-1])} and {kept[-1]} as at entry"
        if len(kept) > 1
        else (f"; {kept[0]} as at entry" if kept else "")
    )
    return (
        f"{RULES_HEADING}\n{syntax}"
        'you may `incsrc "snes.asm"` for register names such as !WRMPYA, or `incsrc "alttp_ram.asm"` for '
        "RAM names such as !SPR_HP.\n"
        f"- Return to the caller with {ret}, with S as at entry, in native mode (e=0){mode}.\n"
        "- Write memory only at the observable locations, the scratch $7E0000-$7E000F (direct page "
        "$00-$0F) and the stack below the entry S.\n"
        "- Writes to hardware registers ($21xx, $42xx, $43xx) are compared in order with the reference's, "
        "except the math-unit inputs $4202-$4206, DMA setup ($420B, $43xx), the WRAM/VRAM/CGRAM/OAM ports "
        "and their address registers; the hardware state left "
        "behind (FastROM $420D, the WRAM port address $2181-$2183, DMA channel registers, PPU registers) "
        "must equal the reference's; reading $4210 (RDNMI) or $4211 (TIMEUP) acknowledges them and counts "
        "as an effect.\n"
        "- At most 10 times the reference's CPU cycles plus the bytes its DMA moves, plus 1000.\n"
        "- BRK, COP, WAI, STP, HDMA and interrupts stop the run as a failure.\n"
        "- Every register, flag and memory byte the task does not give may hold anything at entry, "
        "including the stack contents and the caller's return address and bank; the status registers "
        "$4210-$4212, $2137, $213C and $213D follow real H/V timing from an arbitrary point in the frame; "
        "DMA channel registers and the VRAM, CGRAM and OAM address ports hold what an earlier routine left.\n"
        "- Registers and flags that are neither observable nor kept may be left with any value."
    )


def _hex(value: int, bits: int) -> str:
    return f"${value:0{bits // 4}X}"


def _input_bits(location: str, mode: Mapping[str, Any]) -> int:
    if location.startswith("flag:"):
        return 1
    if location in ("X", "Y"):
        return 8 if int(mode.get("x", 1)) else 16
    if location == "A" or location.endswith(":w"):
        return 16
    return 8


def _number(value: object) -> int:
    text = str(value).strip()
    if text.startswith("$"):
        return int(text[1:], 16)
    return int(text, 0) if text.lower().startswith("0x") else int(text)


def domain_text(location: str, domain: object, mode: Mapping[str, Any]) -> str:
    """How a prompt states an input's domain: `any value`, `$00..$0F` or `one of $00, $04, $FF`.
    A `{"range": ..., "boundaries": ...}` domain is its range (boundaries only order the cases)."""
    bits = _input_bits(location, mode)
    if isinstance(domain, Mapping) and "range" in domain:
        domain = domain["range"]
    if isinstance(domain, Mapping):
        values = sorted({_number(v) for v in domain.get("values") or []})
        if bits == 1:
            return "any value" if values == [0, 1] else f"always {values[0]}"
        if values and values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
            full = values[0] == 0 and values[-1] == (1 << bits) - 1
            return "any value" if full else f"{_hex(values[0], bits)}..{_hex(values[-1], bits)}"
        return "one of " + ", ".join(_hex(v, bits) for v in values)
    lo, hi = (_number(v) for v in domain)  # type: ignore[union-attr]
    if lo == 0 and hi >= (1 << bits) - 1:
        return "any value"
    return f"{_hex(lo, bits)}..{_hex(hi, bits)}"


def contract_block(spec: Mapping[str, Any]) -> str:
    """The spec in words: inputs with their domains (each cell of a range on its own), the observable
    outputs, the kept locations and what else may be written. Inputs in sorted order, as the stored
    task's JSON (sorted keys) and the spec parser have them, so the block is the same either way."""
    mode = spec.get("mode") or {}
    inputs = [
        f"{loc} ({'each byte ' if '..' in str(loc) else ''}{domain_text(str(loc), domain, mode)})"
        for loc, domain in sorted((spec.get("inputs") or {}).items(), key=lambda item: str(item[0]))
    ]
    writable = [str(w) for w in spec.get("writable") or [] if str(w) != "$7E0000..$7E000F"]
    outputs = [str(o) for o in spec.get("outputs") or []]
    extra = f"; also writable: {', '.join(writable)}" if writable else ""
    return (
        f"Inputs: {', '.join(inputs) or 'none'}; everything else may hold anything.\n"
        f"Observable (compared with the reference on return): {', '.join(outputs)}.\n"
        f"Kept (as at entry): {', '.join(map(str, spec.get('preserve') or [])) or 'nothing'}{extra}."
    )


def header_note(source: str) -> str:
    """` (Header names used: !SPR_HP = $0E50, ...)` for the harness-header names a source uses, else ""."""
    used = [
        f"{name} = {address}"
        for names in HEADER_NAMES.values()
        for address, name in names.items()
        if re.search(re.escape(name) + r"\b", source)
    ]
    return f" Header names used: {', '.join(used)}." if used else ""


def _contract(routine: Routine) -> str:
    preserve = [str(p) for p in routine.spec.get("preserve") or []]  # type: ignore[union-attr]
    return (
        f"Entry label: `{routine.entry}`. "
        f"At entry the CPU is in {mode_sentence(routine.mode, routine.call)}.\n"
        f"Task: {routine.summary}\n{routine.details}\n{contract_block(routine.spec)}\n"
        f"{rules_text(routine.call, preserve, _is_hook(routine))}"
    )


def _is_hook(routine: Routine) -> bool:
    return getattr(routine, "base", None) is not None


def _answer_line(routine: Routine, what: str) -> str:
    """How the answer is laid out: a hook task's answer is a patch of the base (its entry is a base
    label, which must not be defined again); a multi-routine task's answer defines its helpers too."""
    if routine.base is not None:
        hook = _hook_label(routine.reference)
        return (
            f"Answer with {what} in one ```asm code block: the patch (`org {hook}` and the instructions "
            "written over the base there) and the new code. Do not define the base's labels again. "
            "Put nothing but assembly inside the block."
        )
    helpers = ", ".join(f"`{name}`" for name in routine.helpers)
    also = (
        f", with the helper routine{'s' if len(routine.helpers) > 1 else ''} {helpers} defined in it too"
        if helpers
        else ""
    )
    return (
        f"Answer with {what} in one ```asm code block whose first line is `{routine.entry}:`{also}. "
        "Put nothing but assembly inside the block."
    )


def _hook_label(reference: str) -> str:
    """The base label a hook reference patches (its first `org <label>`)."""
    for line in reference.splitlines():
        words = line.split()
        if len(words) == 2 and words[0].lower() == "org" and not words[1].startswith("$"):
            return words[1]
    return "<hook label>"


def gen_prompt(routine: Routine) -> str:
    """Write the routine from its contract."""
    return (
        "Write a 65816 (SNES) assembly routine.\n\n"
        f"{_contract(routine)}\n\n{_answer_line(routine, 'the complete routine')}"
    )


def optimize_prompt(routine: Routine, baseline: str) -> str:
    """Make the given correct routine faster without changing what it does."""
    return (
        "Optimize this 65816 (SNES) routine for speed: fewer CPU cycles on average over all valid inputs, "
        "with exactly the same observable behaviour.\n\n"
        f"{_contract(routine)}\n\nCurrent version (correct, but slow):{header_note(baseline)}\n"
        f"```asm\n{baseline.rstrip()}\n```\n\n"
        f"{_answer_line(routine, 'the complete optimized routine')}"
    )


def fix_prompt(routine: Routine, buggy: str) -> str:
    """Find and fix the bug in a routine that does not meet its contract."""
    return (
        "This 65816 (SNES) routine has a bug: it does not do what its contract says for some inputs.\n\n"
        f"{_contract(routine)}\n\nBuggy version:{header_note(buggy)}\n```asm\n{buggy.rstrip()}\n```\n\n"
        f"Find the bug. {_answer_line(routine, 'the complete corrected routine')}"
    )


EXPLAIN_SUMMARY_FORMAT = (
    "reads: the memory and hardware registers it reads before writing them (addresses or ranges, such "
    "as `$0E50,X`, `$7E0E50..$7E0E5F`, `$2118`, or PPU memory as `vram:$1000..$10FF`, `cgram:$00..$1F`; "
    "not its own code or the stack) and the registers and flags (such as `A`, `X`, `carry`) whose values "
    "at entry it uses\n"
    "writes: the memory and hardware registers it writes (not the stack)\n"
    "returns: the registers and flags that hold a result when it returns, or `nothing`\n"
)


def _given(inputs: Mapping[str, int], mode: Mapping[str, Any]) -> str:
    """The example input in prompt form: registers and flags, words, then memory bytes (consecutive
    bytes on one line), each group in sorted order (a stored task's JSON has its keys sorted)."""
    from harness.suite.families import compress_cells, is_memory

    inputs = dict(sorted(inputs.items()))
    parts = []
    for name, value in inputs.items():
        if is_memory(name):
            continue
        if name.startswith("flag:"):
            parts.append(f"{name}={value}")
        elif name == "A.lo":
            parts.append(f"A.lo=${value:02X} (the low byte of A)")
        else:
            parts.append(f"{name}={_hex(value, _input_bits(name, mode))}")
    words = {k: v for k, v in inputs.items() if is_memory(k) and k.endswith(":w")}
    parts.extend(f"{k}=${v:04X}" for k, v in words.items())
    memory = {k: v for k, v in inputs.items() if is_memory(k) and not k.endswith(":w")}
    parts.extend(f"{k} = {v}" for k, v in compress_cells(memory).items())
    return "; ".join(parts) if parts else "nothing in particular"


def explain_prompt(routine: Routine, inputs: Mapping[str, int], asked: Sequence[str]) -> str:
    """Explain the reference routine; the contract is not shown (that would be the answer).

    The answer ends with a summary block whose claims the scorer checks by running the routine, and
    the values of `asked` after a run on the example input `inputs` (see `harness.score.explain`)."""
    example = ", ".join(_placeholder(name) for name in asked)
    words = (
        "; `:w` is the little-endian 16-bit word at that address"
        if any(n.endswith(":w") for n in (*asked, *inputs))
        else ""
    )
    patched = _base_block(getattr(routine, "base", None))
    return (
        "Explain what this 65816 (SNES) routine does.\n\n"
        f"Entry label: `{routine.entry}`. "
        f"At entry the CPU is in {mode_sentence(routine.mode, routine.call)}. "
        "Addresses below $2000 in bank $00 are the WRAM mirror ($7E0000-$7E1FFF)."
        f"{header_note(routine.reference)}\n\n{patched}```asm\n{routine.reference.rstrip()}\n```\n\n"
        f"Example input: {_given(inputs, routine.mode)}. Every other register, flag and memory "
        "byte may hold anything.\n\n"
        "Say in a few sentences what it reads, computes and writes and how it returns; observable effects "
        "matter, not every line. Then end with this summary block, one line each:\n"
        f"{EXPLAIN_SUMMARY_FORMAT}"
        f"example: {example} (the values after it returns on the example input: hex with `$`, "
        f"0 or 1 for flags{words})\n"
        "Every claim is checked by running the routine: a wrong address, register, value or number "
        "lowers the score, and so does a missing one."
    )


def _base_block(base: str | None) -> str:
    """The base code a hook routine patches, shown before it (the entry label is in the base)."""
    if not base:
        return ""
    return (
        "The code below patches this base code, already in the ROM; the entry label is in it:\n"
        f"```asm\n{base.rstrip()}\n```\n\n"
    )


def _placeholder(name: str) -> str:
    """`$7E0E53=$??`: the form of one example value, with nothing a parser could take for an answer."""
    if name.startswith("flag:"):
        return f"{name}=?"
    if name.startswith(("$", "vram:", "cgram:", "oam:")) and not name.endswith(":w") or name == "A.lo":
        return f"{name}=$??"
    return f"{name}=$????"


def _state_lines(entry_state: Mapping[str, str]) -> str:
    return "\n".join(f"- {name} = {value}" for name, value in entry_state.items())


def trace_prompt(
    *,
    entry: str,
    mode: Mapping[str, object],
    call: str,
    code: str,
    entry_state: Mapping[str, str],
    asked: Sequence[str],
    base: str | None = None,
) -> str:
    """Trace a routine from a fully given entry state and report the asked final locations: reasoning
    first if the model wants, then the final `LOCATION=VALUE` block the parser reads first. `base`: the
    base code a hook routine patches (shown first: the entry label is in it)."""
    from harness.verify.answers import TRACE_ANSWER_FORMAT

    note = f"{header_note(code).strip()}\n" if header_note(code) else ""
    alo = "; A.lo is the low byte of A alone" if "A.lo" in asked else ""
    words = (
        "; `:w` is the little-endian 16-bit word at that address"
        if any(n.endswith(":w") for n in asked)
        else ""
    )
    return (
        "Trace this 65816 (SNES) routine and give the final machine state.\n\n"
        f"Entry label: `{entry}`. At entry the CPU is in {mode_sentence(mode, call)}. Memory below $2000 in "
        "bank $00 is the WRAM mirror ($7E0000-$7E1FFF).\n"
        f"Entry state (A is the full 16-bit accumulator B:A; everything else does not affect the answer):\n"
        f"{_state_lines(entry_state)}\n{note}\n{_base_block(base)}```asm\n{code.rstrip()}\n```\n\n"
        f"After it returns, what are: {', '.join(asked)}? (A, X and Y as 16-bit values{alo}; memory as "
        f"bytes{words}; flags as 0 or 1, flag:C is the carry.)\n"
        f"Answer with a final block of LOCATION=VALUE lines. {TRACE_ANSWER_FORMAT}"
    )


def mc_prompt(question: str, choices: Sequence[str]) -> str:
    """A multiple-choice question with lettered choices; the answer is one letter."""
    letters = "ABCDEFGH"
    body = "\n".join(
        f"{letters[i]}.\n```asm\n{choice.rstrip()}\n```"
        if "\n" in choice.strip()
        else f"{letters[i]}. {choice}"
        for i, choice in enumerate(choices)
    )
    return f"{question}\n\n{body}\n\nAnswer with the letter of the correct choice only."


# ------------------------------------------------------------------------------ prompt/spec agreement

_CODE_FAMILIES = ("gen", "optimize", "fix")
_STATE_LINE_RE = re.compile(
    r"^- ((?:vram:|cgram:|oam:)?)\$([0-9A-F]{4,6})(?:\.\.\$([0-9A-F]{4,6}))? = ", re.MULTILINE
)


def prompt_spec_problems(doc: Mapping[str, Any]) -> list[str]:
    """Where a task's prompt and spec disagree (empty when they agree): every input restriction, output
    and kept location of the spec, and the grader's rules, appear in a code prompt; a trace prompt gives
    every input and names every asked location and the answer form; an explain prompt shows its example
    input, asks for its locations and gives the summary form; an mc prompt lists its choices."""
    family = doc.get("family")
    prompt = str(doc.get("prompt") or "")
    spec = doc.get("spec") if isinstance(doc.get("spec"), Mapping) else {}
    if family in _CODE_FAMILIES:
        return _code_prompt_problems(doc, prompt, spec)
    if family == "trace":
        return _trace_prompt_problems(prompt, spec)
    if family == "explain":
        return _explain_prompt_problems(doc, prompt)
    if family == "mc":
        choices = (doc.get("answer") or {}).get("choices") or []
        missing = [c for c in choices if str(c).rstrip() not in prompt]
        form = (
            [] if "Answer with the letter" in prompt else ["prompt does not state the answer form (a letter)"]
        )
        return form + [f"choice {c!r} is not shown" for c in missing]
    return [f"unknown family {family!r}"]


def _code_prompt_problems(doc: Mapping[str, Any], prompt: str, spec: Mapping[str, Any]) -> list[str]:
    problems = []
    preserve = [str(p) for p in spec.get("preserve") or []]
    if RULES_HEADING not in prompt:
        problems.append("prompt has no rules paragraph")
    elif rules_text(str(doc.get("call")), preserve, doc.get("base") is not None) not in prompt:
        problems.append("prompt's rules differ from the grader's for this call and spec (rebuild the task)")
    block = contract_block(spec)
    if block not in prompt:
        problems.append("prompt's contract block differs from the spec (rebuild the task)")
    mode = spec.get("mode") or {}
    for location, domain in (spec.get("inputs") or {}).items():
        if f"{location} (" not in prompt or domain_text(str(location), domain, mode) not in prompt:
            problems.append(
                f"input {location} or its domain ({domain_text(str(location), domain, mode)}) is not stated"
            )
    for location in spec.get("outputs") or []:
        if str(location) not in prompt:
            problems.append(f"output {location} is not named")
    for location in preserve:
        if location not in prompt:
            problems.append(f"kept location {location} is not named")
    return problems


def _trace_prompt_problems(prompt: str, spec: Mapping[str, Any]) -> list[str]:
    from harness.verify.answers import TRACE_ANSWER_FORMAT

    problems = [f"asked location {o} is not named" for o in spec.get("outputs") or [] if str(o) not in prompt]
    if TRACE_ANSWER_FORMAT not in prompt:
        problems.append("prompt does not state the answer form (TRACE_ANSWER_FORMAT)")
    from harness.suite.families import is_memory

    shown: set[tuple[str, int]] = set()
    for match in _STATE_LINE_RE.finditer(prompt):
        first = int(match.group(2), 16)
        last = int(match.group(3), 16) if match.group(3) else first
        shown.update((match.group(1), offset) for offset in range(first, last + 1))
    for location in spec.get("inputs") or {}:
        name = str(location)
        if is_memory(name) and not name.endswith(":w"):
            space, _, digits = name.rpartition("$")
            if (space, int(digits, 16)) not in shown:
                problems.append(f"input {name} is not given in the entry state")
        elif f"- {name} = " not in prompt:
            problems.append(f"input {name} is not given in the entry state")
    return problems


def _explain_prompt_problems(doc: Mapping[str, Any], prompt: str) -> list[str]:
    probe = (doc.get("answer") or {}).get("probe")
    if not isinstance(probe, Mapping):
        return ["answer.probe is missing (the example input and asked locations)"]
    problems = [] if EXPLAIN_SUMMARY_FORMAT in prompt else ["prompt does not give the summary form"]
    mode = (doc.get("spec") or {}).get("mode") or {}
    given = _given(probe.get("inputs") or {}, mode)
    if given not in prompt:
        problems.append("prompt does not show the example input of answer.probe")
    problems += [
        f"example location {a} is not asked"
        for a in probe.get("asked") or []
        if _placeholder(str(a)) not in prompt
    ]
    return problems
