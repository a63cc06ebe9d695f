"""report.har: every exchange of the run (targeted tests, generated cases, preflight, tidy-up), in the
HTTP Archive format browsers' developer tools and HTTP debuggers open; written with harfile from
the parts each process captured (conformance/capture.py), oldest first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import harfile

from conformance import __version__

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests",
           500: "Internal Server Error"}


def _records(headers: list[list[str]]) -> list[harfile.Record]:
    return [harfile.Record(name=name, value=value) for name, value in headers]


def _mime(headers: list[list[str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "")


def _entry(har: harfile.HarFile, entry: dict[str, Any]) -> None:
    sent, answer = entry["request"], entry["response"]
    post = harfile.PostData(mimeType=_mime(sent["headers"]), text=sent["body"]) if sent["size"] else None
    request = harfile.Request(method=sent["method"], url=sent["url"], httpVersion="HTTP/1.1",
                              headers=_records(sent["headers"]), postData=post, bodySize=sent["size"],
                              comment=sent.get("note"))
    if answer is None:  # no answer: HAR has no "none", so status 0 as browsers record a failed request
        response = harfile.Response(status=0, statusText="", httpVersion="", content=harfile.Content())
    else:
        content = harfile.Content(size=answer["size"], mimeType=_mime(answer["headers"]), text=answer["body"])
        response = harfile.Response(status=answer["status"], statusText=REASONS.get(answer["status"], ""),
                                    httpVersion="HTTP/1.1", headers=_records(answer["headers"]), content=content,
                                    bodySize=answer["size"], comment=answer.get("note"))
    har.add_entry(startedDateTime=entry["startedDateTime"], time=entry["time"], request=request, response=response,
                  timings=harfile.Timings(send=0, wait=entry["time"], receive=0), comment=entry["comment"] or None)


def write(parts: Path, directory: Path) -> Path:
    """Joins the capture parts in `parts` into directory/report.har."""
    entries = []
    for part in sorted(parts.glob("*.jsonl")):
        with part.open(encoding="utf-8") as lines:
            entries += [json.loads(line) for line in lines if line.strip()]
    entries.sort(key=lambda e: e["startedDateTime"])
    path = directory / "report.har"
    with harfile.open(path, creator=harfile.Creator(name="conformance-kit", version=__version__)) as har:
        for entry in entries:
            _entry(har, entry)
    return path
