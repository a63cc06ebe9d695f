"""The fault and variant catalogue: every MUST has a negative control, every name is well-formed."""

from __future__ import annotations

import re

import pytest

from conformance.catalogue import Catalogue
from conformance.reference.common import ServerOptions
from conformance.reference.faults import FAULTS, VARIANTS

NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_at_least_fifteen_faults_with_unique_names(api: str) -> None:
    names = [fault.name for fault in FAULTS[api]]
    assert len(names) >= 15 and len(names) == len(set(names))
    assert all(NAME.match(name) for name in names + [variant.name for variant in VARIANTS[api]])


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_every_fault_breaks_a_requirement_of_its_own_api(catalogue: Catalogue, api: str) -> None:
    ids = {requirement.id for requirement in catalogue.for_api(api)}
    assert [fault.name for fault in FAULTS[api] if fault.breaks not in ids] == []


@pytest.mark.parametrize("api", ["triport", "teos"])
def test_every_must_has_a_fault(catalogue: Catalogue, api: str) -> None:
    """The negative controls cover the whole catalogue: no MUST goes untested for failure."""
    broken = {fault.breaks for fault in FAULTS[api]}
    musts = {r.id for r in catalogue.for_api(api) if r.level == "MUST"}
    assert sorted(musts - broken) == []


@pytest.mark.parametrize(
    ("knobs", "message"),
    [({"api": "stripe"}, "unknown API 'stripe'"),
     ({"api": "teos", "faults": frozenset({"leaky-404"})}, "unknown teos fault 'leaky-404'"),
     ({"api": "triport", "variants": frozenset({"bare-list"})}, "unknown triport variant 'bare-list'"),
     ({"api": "teos", "async_delay": -1.0}, "delays must be non-negative")],
    ids=["api", "fault-of-other-api", "variant-of-other-api", "negative-delay"],
)
def test_server_options_refuse_what_does_not_exist(knobs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ServerOptions(**knobs)
