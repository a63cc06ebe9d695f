"""The conformance suite: pytest tests, one or more per catalogue requirement, by API and operation.

`conformance run` runs it through conformance.engine, which provides the `target`, `settings`,
`redact` and `record` fixtures; the tests never know whether the target is the bundled reference.
"""
