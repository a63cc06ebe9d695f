"""Ids the suite invents: shaped like the target's own, so format checks cannot tell them apart."""

from __future__ import annotations

import secrets
import string
import uuid


def unknown_like(sample: str | None) -> str:
    """A fresh id with the sample's shape (same length, separators and character classes)."""
    if not sample:
        return f"conformance-unknown-{secrets.token_hex(6)}"
    out = []
    for char in sample:
        if char in string.digits:
            out.append(secrets.choice(string.digits))
        elif char in "abcdef":
            out.append(secrets.choice("abcdef0123456789"))
        elif char in "ABCDEF":
            out.append(secrets.choice("ABCDEF0123456789"))
        elif char.isalpha():
            out.append(secrets.choice(string.ascii_lowercase if char.islower() else string.ascii_uppercase))
        else:
            out.append(char)
    candidate = "".join(out)
    return candidate if candidate != sample else str(uuid.uuid4())
