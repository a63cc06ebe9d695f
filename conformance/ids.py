"""Ids the suite invents: shaped like the target's own, so format checks cannot tell them apart."""

from __future__ import annotations

import random
import secrets
import string
import uuid


def unknown_like(sample: str | None, rng: random.Random | None = None) -> str:
    """A fresh id with the sample's shape (same length, separators and character classes). From the
    system's randomness, or from `rng` where a seed must decide it."""
    source = rng or secrets.SystemRandom()
    if not sample:
        return f"conformance-unknown-{source.getrandbits(48):012x}"
    out = []
    for char in sample:
        if char in string.digits:
            out.append(source.choice(string.digits))
        elif char in "abcdef":
            out.append(source.choice("abcdef0123456789"))
        elif char in "ABCDEF":
            out.append(source.choice("ABCDEF0123456789"))
        elif char.isalpha():
            out.append(source.choice(string.ascii_lowercase if char.islower() else string.ascii_uppercase))
        else:
            out.append(char)
    candidate = "".join(out)
    return candidate if candidate != sample else str(uuid.UUID(int=source.getrandbits(128), version=4))
