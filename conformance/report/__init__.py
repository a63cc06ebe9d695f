"""Reports a run writes: report.json, junit.xml, summary.md and report.html, from one report dict."""
