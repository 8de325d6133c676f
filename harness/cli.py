"""`asm65816` command line: a thin dispatcher over per-concern subcommand modules.

Each concern owns its verbs in its own `cli.py` exposing `register(subparsers)`; this module only
lists them. A verb that wraps another tool sets `passthrough=[]` in its defaults and receives every
argument it does not know itself in `args.passthrough`. The dispatcher turns `HarnessError` into a
clear message and exit code 2.
Subcommand modules are imported when the parser is built, so they must not do heavy work at import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from harness import __version__
from harness.errors import HarnessError
from harness.logs import configure

__all__ = ["build_parser", "main"]

# One line per concern, in data-flow order. Each module defines `register(subparsers) -> None`.
COMMAND_MODULES: tuple[str, ...] = (
    "harness.asar.cli",
    "harness.emu.cli",
    "harness.verify.cli",
    "harness.score.cli",
    "harness.suite.cli",
    "harness.lmeval.cli",
    "harness.gate.cli",
    "harness.report.cli",
    "harness.trainers.cli",
    "harness.trainers.quant.cli",
    "harness.trainers.synth.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asm65816",
        description="Verified evaluation of language models on 65816 (SNES) assembly.",
    )
    parser.add_argument("--version", action="version", version=f"asm65816-harness {__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr")
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="only warnings and results (no progress, no status lines)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from harness.asar.cleanup import install_termination_cleanup

    install_termination_cleanup()  # SIGTERM/SIGHUP exit through `finally`: no orphaned ASAR or temp dir
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and getattr(args, "passthrough", None) is None:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "passthrough", None) is not None:
        args.passthrough = [*args.passthrough, *unknown]
    configure(1 if args.verbose else -1 if args.quiet else 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except HarnessError as error:
        print(f"asm65816: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
