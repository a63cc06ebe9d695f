"""report.html: one self-contained page (no network) a certifier can open and filter: the verdict, a
grid of every requirement's outcome, then the failures and warnings first, each with its statement,
its source, and the exchanges of the test that decided it."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330}
header{padding:18px 28px;color:#fff}
header.pass{background:#1f7a3a} header.fail{background:#b3261e} header.error{background:#8a5a00}
header h1{margin:0 0 4px;font-size:24px} header p{margin:0;opacity:.9}
main{padding:18px 28px} dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 16px}
dt{font-weight:600} dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
.controls{display:flex;gap:12px;align-items:center;margin:10px 0}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e6ec;
vertical-align:top} th{background:#f4f6f9}
.outcome{font-weight:700;text-transform:uppercase;font-size:12px;padding:2px 6px;border-radius:4px}
.o-pass{background:#dcf3e3;color:#1f7a3a}.o-fail{background:#fbe0de;color:#b3261e}.o-warn{background:#fff0cc;color:#8a5a00}
.o-skip{background:#eceff3;color:#555}.o-error{background:#f3e2ff;color:#6b2d99}
.statement{margin:2px 0 0;color:#444;font-size:13px} .source{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:3px;margin:0 0 14px}
.grid a{width:16px;height:16px;border-radius:3px;display:block}
.grid a.o-pass{background:#2e9e52}.grid a.o-fail{background:#d23b2f}.grid a.o-warn{background:#e0a300}
.grid a.o-skip{background:#b7bcc6}.grid a.o-error{background:#8e44c9} details.test summary{cursor:pointer;margin:4px 0}
td{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f8fa;padding:8px;border-radius:4px;font-size:12px}
"""

SCRIPT = """
const rows = [...document.querySelectorAll('tbody tr.req')];
const outcome = document.getElementById('outcome'), text = document.getElementById('text');
function apply() {
  const o = outcome.value, t = text.value.toLowerCase(); let shown = 0;
  for (const row of rows) {
    const visible = (!o || row.dataset.outcome === o) && (!t || row.textContent.toLowerCase().includes(t));
    row.hidden = !visible; const detail = row.nextElementSibling;
    if (detail && detail.classList.contains('detail')) detail.hidden = !visible;
    if (visible) shown++;
  }
  document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
}
const wanted = new URLSearchParams(location.hash.slice(1)).get('outcome');
if (wanted) outcome.value = wanted;
outcome.addEventListener('change', apply); text.addEventListener('input', apply); apply();
"""


def _exchanges(test: dict[str, Any]) -> str:
    parts = []
    for exchange in test["evidence"][-5:]:
        status = exchange["status"] if exchange["status"] is not None else exchange["error"]
        parts.append(f"<pre>{escape(exchange['method'])} {escape(exchange['url'])} → {escape(str(status))}\n"
                     f"{escape(exchange['body_excerpt'][:600])}\n\n{escape(exchange['curl'])}</pre>")
    return "".join(parts) or "<p>no exchanges</p>"


def _statement(requirement: dict[str, Any]) -> str:
    source = requirement["source"]
    return (f'<p class="statement">{escape(requirement["statement"])} <span class="source">'
            f'(<a href="{escape(source["url"])}">{escape(source["title"])}</a>, {escape(source["section"])})'
            '</span></p>')


def _detail(requirement: dict[str, Any]) -> str:
    """The test that decided, with its exchanges (open), then the others (closed)."""
    deciding = requirement["failing_test"]
    parts = []
    for test in sorted(requirement["tests"], key=lambda t: t["name"] != deciding):
        opened = " open" if test["name"] == deciding else ""
        said = test["reason"] if len(test["reason"]) <= 240 else test["reason"][:240] + "…"  # whole in report.json
        reason = f": {escape(said)}" if said else ""
        parts.append(f'<details class="test"{opened}><summary>{escape(test["name"])} · {test["outcome"]}{reason} '
                     f'({len(test["evidence"])} exchanges)</summary>{_exchanges(test)}</details>')
    return "".join(parts)


FIRST = {"fail": 0, "warn": 1, "error": 2, "skip": 3, "pass": 4}  # failures and warnings first


def _rows(report: dict[str, Any]) -> str:
    rows = []
    for r in sorted(report["requirements"], key=lambda r: FIRST[r["outcome"]]):
        rows.append(f'<tr class="req" id="req-{escape(r["id"])}" data-outcome="{r["outcome"]}"><td>'
                    f'<span class="outcome o-{r["outcome"]}">{r["outcome"]}</span></td><td>{escape(r["id"])}</td>'
                    f'<td>{r["level"]}</td><td>{escape(r["title"])}{_statement(r)}</td>'
                    f'<td>{escape(r["reason"])}</td></tr>')
        if r["outcome"] in ("fail", "warn", "error"):
            rows.append(f'<tr class="detail"><td></td><td colspan="4">{_detail(r)}</td></tr>')
    return "\n".join(rows)


def _grid(report: dict[str, Any]) -> str:
    """One square per requirement, in catalogue order, coloured by outcome, linking to its row."""
    cells = "".join(f'<a class="o-{r["outcome"]}" href="#req-{escape(r["id"])}" '
                    f'title="{escape(r["id"])}: {r["outcome"]}"></a>' for r in report["requirements"])
    return f'<div class="grid" id="grid" title="one square per requirement, in catalogue order">{cells}</div>'


def _property(run: dict[str, Any] | None) -> str:
    if run is None:
        return "none (no Schemathesis run)"
    cut = "; stopped at the time ceiling, not repeatable" if run["cut"] else ""
    return f"{run['cases']} in {run['duration_s']:.1f} s, digest {run['digest'][:16]}{cut}"


def build(report: dict[str, Any]) -> str:
    counts = ", ".join(f"{report['counts'][k]} {k}" for k in ("pass", "fail", "warn", "skip", "error"))
    facts = {"Label": report["label"], "Target": report["target"], "TLS": report["tls"], "Profile": report["profile"],
             "Suite version": report["suite_version"],
             "Contract SHA-256": report["spec_sha256"], "Seed / budget":
             f"{report['seed']} / {report['max_examples']} cases, {report['max_time_s']} s",
             "Generated cases": _property(report["property"]),
             "Started": report["started_at"], "Duration": f"{report['duration_s']:.1f} s"}
    options = "".join(f'<option value="{o}">{o}</option>' for o in ("pass", "fail", "warn", "skip", "error"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{report['api']} conformance: {report['verdict']}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><header class="{report['verdict']}" id="verdict"><h1>{escape(report['api'])} conformance:
{report['verdict'].upper()}</h1><p>{escape(report['label'])} · {counts}</p></header>
<main>{_grid(report)}<dl>{''.join(f'<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>' for k, v in facts.items())}</dl>
<div class="controls"><label>Outcome <select id="outcome"><option value="">all</option>{options}</select></label>
<label>Search <input id="text" type="search" placeholder="id, title or reason"></label><span id="shown"></span></div>
<table><thead><tr><th>Outcome</th><th>Requirement</th><th>Level</th><th>Title</th><th>Reason</th></tr></thead>
<tbody>
{_rows(report)}
</tbody></table></main>
<script>{SCRIPT}</script></body></html>
"""


def write(report: dict[str, Any], directory: Path) -> Path:
    path = directory / "report.html"
    path.write_text(build(report), encoding="utf-8")
    return path
