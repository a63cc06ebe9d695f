"""`conformance replay REPORT_DIR`: send a failing requirement's recorded requests again and show
what came back then and now, side by side. The requests are those of the test that decided the
requirement (`failing_test`), in order, as recorded, with two substitutions: each credential is
taken from the config (the report names its key, never its value), and an id the target assigned
then (an `...id` member of an answer) becomes the one it assigns now, so a create then a cancel
cancels the invoice the replay created, not the one the run did."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.http import Client, DeadlinePassed, Exchange, NoResponse, RateLimited, Redactor
from conformance.target import Target

CREDENTIAL = re.compile(r"<credential:([a-z_]+)>")
SHOWN = 100  # characters of each body shown


class ReplayError(ValueError):
    """The replay cannot be made (no report, no failing requirement, a credential not configured)."""


@dataclass(frozen=True)
class Replayed:
    then: dict[str, Any]  # the recorded exchange (report evidence)
    now: Exchange | None  # None: it could not be sent
    problem: str = ""
    path: str = ""  # what was sent now, ids the target assigned swapped


def load_report(directory: Path) -> dict[str, Any]:
    path = directory / "report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayError(f"{path}: cannot read it ({exc.strerror})") from None
    except ValueError:
        raise ReplayError(f"{path}: not JSON") from None


def chosen(report: dict[str, Any], requirement_id: str | None) -> list[dict[str, Any]]:
    """The requirement named, or every one that failed or warned; each with its deciding test."""
    requirements = report.get("requirements", [])
    if requirement_id is not None:
        found = [r for r in requirements if r["id"] == requirement_id]
        if not found:
            raise ReplayError(f"--requirement: {requirement_id} is not in this report")
    else:
        found = [r for r in requirements if r["outcome"] in ("fail", "warn")]
        if not found:
            raise ReplayError("no requirement failed in this report: name one with --requirement ID")
    if any("tests" not in r for r in found):
        raise ReplayError("this report keeps no per-test requests (report_version 1): run again to replay")
    return found


def deciding(requirement: dict[str, Any]) -> dict[str, Any] | None:
    name = requirement["failing_test"]
    tests = requirement["tests"]
    return next((t for t in tests if t["name"] == name), None) or next((t for t in tests if t["evidence"]), None)


def _filled(text: str, target: Target | None) -> str:
    def credential(match: re.Match[str]) -> str:
        key = match.group(1)
        value = target.credential(key) if target is not None else None
        if value is None:
            raise ReplayError(f"the recorded requests carry credentials.{key}: pass --config FILE that sets it")
        return value
    return CREDENTIAL.sub(credential, text)


def _ids(value: Any, key: str = "") -> dict[str, str]:
    """id-like members (a key ending in id) -> their string values, anywhere in a JSON value."""
    found: dict[str, str] = {}
    if isinstance(value, str) and key.lower().endswith("id"):
        found[key] = value
    elif isinstance(value, dict):
        for name, item in value.items():
            found |= {f"{key}.{k}": v for k, v in _ids(item, str(name)).items()}
    return found


def _learn(assigned: dict[str, str], then: dict[str, Any], now: Exchange) -> None:
    """Ids the target assigned then, mapped to what it assigned now in the same place of the answer."""
    try:
        before, after = _ids(json.loads(then["body_excerpt"])), _ids(json.loads(now.body))
    except ValueError:
        return
    assigned |= {old: after[place] for place, old in before.items() if place in after and after[place] != old}


def _swapped(text: str, assigned: dict[str, str]) -> str:
    for old, new in sorted(assigned.items(), key=lambda item: -len(item[0])):
        text = text.replace(old, new)
    return text


def replay(test: dict[str, Any], base_url: str, target: Target | None, timeout_s: float) -> list[Replayed]:
    """Each recorded request of the test, sent again to `base_url` (no redirect followed, bounded)."""
    client = Client(base_url, timeout_s, Redactor(target.secrets() if target else []), retries=0)
    done: list[Replayed] = []
    assigned: dict[str, str] = {}  # id then -> id now
    for then in test["evidence"]:
        sent = then.get("request")
        if sent is None:
            raise ReplayError("this report keeps no requests to replay: run again with this version of the kit")
        parts = urlsplit(_swapped(then["url"], assigned))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {name: _swapped(_filled(value, target), assigned) for name, value in sent["headers"].items()}
        body = _swapped(_filled(sent["body"], target), assigned).encode() if sent["body"] else None
        if "<redacted>" in json.dumps(headers) + (sent["body"] or ""):
            done.append(Replayed(then, None, "it carried a secret the report does not name: not sent", path))
            continue
        try:
            now = client.request(then["method"], path, headers=headers, data=body)
        except (NoResponse, DeadlinePassed, RateLimited) as exc:
            done.append(Replayed(then, None, str(exc), path))
            continue
        _learn(assigned, then, now)
        done.append(Replayed(then, now, path=path))
    return done


def _body(text: str) -> str:
    flat = " ".join(text.split())
    return (flat[:SHOWN] + "...") if len(flat) > SHOWN else (flat or "(no body)")


def show(requirement: dict[str, Any], test: dict[str, Any], done: list[Replayed], redact: Callable[[str], str],
         say: Callable[[str], None]) -> None:
    """Each request with its answer then and now, and whether they differ (status, body)."""
    say(f"{requirement['id']} {requirement['outcome'].upper()}: {requirement['reason']}")
    say(f"  replaying {test['name']} ({len(done)} request(s))")
    for index, item in enumerate(done, 1):
        then = item.then
        recorded = urlsplit(then["url"]).path
        swapped = urlsplit(item.path).path
        say(f"  {index}. {then['method']} {recorded}" + (f" (now {swapped}: the id this replay created)"
                                                          if swapped != recorded else ""))
        then_status = then["status"] if then["status"] is not None else then["error"]
        say(f"     then: {then_status}  {_body(then['body_excerpt'])}")
        if item.now is None:
            say(f"     now:  not sent: {item.problem}")
            continue
        now_text = redact(item.now.body.decode("utf-8", "replace"))
        say(f"     now:  {item.now.status}  {_body(now_text)}")
        same_status = item.now.status == then["status"]
        same_body = " ".join(now_text.split())[:2048] == " ".join(then["body_excerpt"].split())[:2048]
        say("     " + ("same answer" if same_status and same_body else
                      "differs: " + ", ".join(what for what, same in (("status", same_status), ("body", same_body))
                                              if not same)))
