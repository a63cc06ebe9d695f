"""report.html: one self-contained page (no network) a certifier can open and filter."""

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
.statement{margin:0 0 6px} .source{color:#555} details.test summary{cursor:pointer;margin:4px 0}
pre{white-space:pre-wrap;background:#f7f8fa;padding:8px;border-radius:4px;font-size:12px}
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


def _detail(requirement: dict[str, Any]) -> str:
    """The statement and its source, the test that decided with its exchanges (open), then the others."""
    source = requirement["source"]
    parts = [f'<p class="statement">{escape(requirement["statement"])} <span class="source">'
             f'({escape(source["title"])}, {escape(source["section"])})</span></p>']
    deciding = requirement["failing_test"]
    tests = sorted(requirement["tests"], key=lambda t: t["name"] != deciding)
    for test in tests:
        opened = " open" if test["name"] == deciding else ""
        reason = f": {escape(test['reason'])}" if test["reason"] else ""
        parts.append(f'<details class="test"{opened}><summary>{escape(test["name"])} · {test["outcome"]}{reason} '
                     f'({len(test["evidence"])} exchanges)</summary>{_exchanges(test)}</details>')
    return "".join(parts)


def _rows(report: dict[str, Any]) -> str:
    rows = []
    for r in report["requirements"]:
        rows.append(f'<tr class="req" data-outcome="{r["outcome"]}"><td><span class="outcome o-{r["outcome"]}">'
                    f'{r["outcome"]}</span></td><td>{escape(r["id"])}</td><td>{r["level"]}</td>'
                    f'<td>{escape(r["title"])}</td><td>{escape(r["reason"])}</td></tr>')
        if r["outcome"] in ("fail", "warn", "error"):
            rows.append(f'<tr class="detail"><td></td><td colspan="4">{_detail(r)}</td></tr>')
    return "\n".join(rows)


def _property(run: dict[str, Any] | None) -> str:
    if run is None:
        return "none (no Schemathesis run)"
    cut = "; stopped at the time ceiling, not repeatable" if run["cut"] else ""
    return f"{run['cases']} in {run['duration_s']:.1f} s, digest {run['digest'][:16]}{cut}"


def build(report: dict[str, Any]) -> str:
    counts = ", ".join(f"{report['counts'][k]} {k}" for k in ("pass", "fail", "warn", "skip", "error"))
    facts = {"Target": report["target"], "TLS": report["tls"], "Profile": report["profile"],
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
{report['verdict'].upper()}</h1><p>{counts}</p></header>
<main><dl>{''.join(f'<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>' for k, v in facts.items())}</dl>
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
