"""Reports a run writes: report.json now; junit.xml, summary.md and report.html to follow (#5)."""
