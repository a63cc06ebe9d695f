"""`conformance run`: pick the targets, check each can be tested, run the suite, write reports, exit code."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import urllib3

from conformance import baseline
from conformance.apis import APIS, Api, api_for
from conformance.capture import Capture
from conformance.catalogue import load_catalogue
from conformance.config import ConfigError, load_target
from conformance.engine import run_here, selector
from conformance.grading import counts, grade
from conformance.http import Client, DeadlinePassed, NoResponse, RateLimited, Redactor
from conformance.parallel import Elsewhere, Worker, run_parallel, start_workers
from conformance.report import har, html, jsonreport, junit, markdown
from conformance.results import PropertyRun, RequirementResult, RunResult, TestOutcome
from conformance.target import RunSettings, Target

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNTESTABLE = 0, 1, 2, 3


class Untestable(Exception):
    """The target cannot be tested at all (unreachable, TLS, credentials refused): exit 3."""


@dataclass(frozen=True)
class RunRequest:
    api: str | None  # triport | teos | all | None (from the config)
    base_url: str | None
    config: Path | None
    report_dir: Path | None
    settings: RunSettings
    only: list[str] | None
    exclude: list[str] | None
    dry_run: bool = False
    baseline: Path | None = None  # accepted failures (--baseline): only a new one fails the run
    interactive: bool = False  # a terminal: a progress bar under the lines; otherwise plain lines only


# [run]-table (and command-line) option names -> RunSettings fields.
SETTINGS = {"profile": "profile", "strict": "strict", "seed": "seed", "max_examples": "max_examples",
            "max_time": "max_time_s", "timeout": "timeout_s", "workers": "workers", "max_rps": "max_rps",
            "deadline": "deadline_s"}


def settings_from(options: Mapping[str, Any], **extra: Any) -> RunSettings:
    """RunSettings from options named as the command line names them; what they leave out keeps its
    default. Raises ValueError for a value out of range."""
    return RunSettings(**{field: options[name] for name, field in SETTINGS.items() if options.get(name) is not None},
                       **extra)


def run_suite(target: Target, settings: RunSettings, selected: Callable[[str], bool] = lambda _: True,
              progress: Callable[[RequirementResult], None] | None = None,
              early: Sequence[Worker] = ()) -> RunResult:
    """One target's suite: in this process, or with `settings.workers` > 1 shared among that many
    (parallel.py; `early`: those of its workers already started). `progress` is called with each
    requirement's result as soon as its last test ends."""
    if settings.workers > 1:
        return run_parallel(target, settings, selected, progress, early)
    return run_here(target, settings, selected, progress)


def _apis(request: RunRequest) -> list[str]:
    """The APIs a run without a config covers: the one named, or both."""
    return list(APIS) if request.api in (None, "all") else [request.api]


@contextmanager
def targets(request: RunRequest) -> Iterator[list[Target]]:
    """The configured target, or the bundled reference servers on loopback for the duration."""
    if request.config is not None:
        target = load_target(request.config, request.base_url)
        if request.api not in (None, "all", target.api):
            raise ConfigError(f"--api {request.api} does not match the config's api {target.api!r}")
        yield [target]
        return
    if request.base_url is not None:
        raise ConfigError("--base-url: a target needs credentials and fixture ids; pass them with --config FILE")
    from conformance.reference.common import ServerOptions
    from conformance.reference.runner import ReferenceServer

    # CSRF enforced (where an API has it): the bundled run exercises every requirement, so a new user
    # sees what each one checks and no skip.
    with ExitStack() as stack:
        servers = [stack.enter_context(ReferenceServer(ServerOptions(api=api, csrf=True))) for api in _apis(request)]
        yield [Target.from_mapping(server.target_config()) for server in servers]


def preflight(target: Target, settings: RunSettings, selected: Callable[[str], bool] = lambda _: True,
              deadline: float | None = None) -> Target:
    """Before any test: one read with the primary credential (the target must answer, and not with
    401); in profile full, one create as each user the selected requirements need, with the body
    they will use (built from the docs where the config has none and the API allows it), cancelled
    again at once; the users' side by side. Returns the target with that body. Raises Untestable
    naming the key to fix."""
    api = api_for(target.api)
    redact = Redactor(target.secrets())
    capture = Capture(settings.capture_dir, redact) if settings.capture_dir else None
    client = Client(target.base_url, settings.timeout_s, redact, capture.exchange if capture else lambda e: None,
                    verify=settings.tls_verify, deadline=deadline, wait_headers=api.wait_headers)
    try:
        return _preflight(api, client, target, settings, selected)
    except DeadlinePassed:
        raise Untestable(f"{target.api}: the run's --deadline passed during the preflight") from None
    except RateLimited as exc:
        raise Untestable(f"{target.api}: the preflight could not be sent: {exc}") from None


def _preflight(api: Api, client: Client, target: Target, settings: RunSettings,
               selected: Callable[[str], bool]) -> Target:
    try:
        exchange = api.send(client, target, "GET", api.probe)
    except NoResponse as exc:
        raise Untestable(f"cannot reach {target.base_url}: {exc.actual}") from None
    if exchange.status == 401:
        raise Untestable(f"{target.base_url} refused the configured credentials (GET {api.probe} answered 401: "
                         f"fix credentials.{api.primary})")
    requirements = [r for r in load_catalogue().for_api(target.api) if selected(r.id)]
    if settings.profile == "safe" or not requirements:
        return target
    if not target.create_body:
        built = api.default_create_body(client)
        if isinstance(built, str):
            raise Untestable(f"{target.api}: create.body: {built}")
        target = replace(target, create_body=built, create_source="built from the docs")
    users = ["primary"] + (["other"] if any(api.other in r.needs and all(target.has(n) for n in r.needs)
                                            for r in requirements) else [])
    # Each user's create and cancel at once (two round-trips instead of four). The threads are joined
    # here: a worker is forked only while no other thread runs (parallel.py), and a run of several
    # APIs starts its workers after every preflight. A refusal of the primary user's is said first.
    with ThreadPoolExecutor(len(users)) as pool:
        creates = [pool.submit(_create_once, api, client, target, who) for who in users]
    for create in creates:
        create.result()
    return target


def _create_once(api: Api, client: Client, target: Target, who: str) -> None:
    """One create as `who`, cancelled again; a refusal is Untestable, naming the config key to fix."""
    try:
        exchange = api.send(client, target, "POST", api.invoices, who, json_body=dict(target.create_body))
    except NoResponse as exc:
        raise Untestable(f"{target.api}: the preflight create (POST {api.invoices}) got no answer: {exc.actual}") \
            from None
    created = api.created_id(exchange)
    if created is None:
        credential = api.credential_for(who)
        if exchange.status == 401:
            key = f"credentials.{credential}"
        elif exchange.status == 403 and target.csrf:
            key = "credentials.csrf_token" if who == "primary" else "credentials.other_csrf_token"
        else:
            key = "create.body" + (" (built from the docs: no [create] in the config)"
                                   if target.create_source == "built from the docs" else "")
        user = "" if who == "primary" else f" as the second user (credentials.{credential})"
        raise Untestable(client.redact(
            f"{target.api}: the target refused the create the run needs{user}: POST {api.invoices} answered "
            f"{exchange.status}: {exchange.excerpt()}; fix {key}"))
    try:
        api.cancel(client, target, created, who)  # the preflight's own invoice: leave no litter
    except (NoResponse, RateLimited):
        pass


def _write_untestable(request: RunRequest, target: Target, started: datetime, reason: str,
                      selected: Callable[[str], bool], several: bool, parts: Path | None = None) -> None:
    """The reports of a target that could not be tested: every selected requirement undecided, with why."""
    outcome = [TestOutcome("preflight", "error", reason)]
    results = [grade(r, outcome, request.settings.strict) for r in load_catalogue().for_api(target.api)
               if selected(r.id)]
    write_reports(request, target, RunResult(target.api, "error", results, 0.0), started, several, parts=parts)


def write_reports(request: RunRequest, target: Target, result: RunResult, started: datetime, several: bool,
                  compared: dict[str, object] | None = None, parts: Path | None = None) -> Path:
    """report.json, junit.xml, summary.md and report.html of one target's run, and report.har from the
    exchanges captured in `parts`; the folder they are in. `compared`: the run's failures against the
    baseline, when there is one."""
    directory = report_dir(request, target.api, started, several)
    directory.mkdir(parents=True, exist_ok=True)
    report = jsonreport.build(result, target, request.settings, started, compared)
    for writer in (jsonreport, junit, markdown, html):
        writer.write(report, directory)
    if parts is not None:
        har.write(parts, directory)
    return directory


def report_dir(request: RunRequest, api: str, started: datetime, several: bool) -> Path:
    if request.report_dir is None:
        return Path("reports") / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{api}"
    return request.report_dir / api if several else request.report_dir


class ProgressBar:
    """One line per requirement as it finishes; on a terminal, a bar below them that redraws in place."""

    def __init__(self, total: int, say: Callable[[str], None], interactive: bool, width: int = 30):
        self.total, self.say, self.interactive, self.width, self.count = total, say, interactive, width, 0

    def render(self) -> str:
        filled = self.width * self.count // max(self.total, 1)
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {self.count}/{self.total}"

    def step(self, result: RequirementResult) -> None:
        self.count += 1
        if self.interactive:
            self.say(f"\r\x1b[2K{requirement_line(result)}\n{self.render()}\x1b[1A")
        else:
            self.say(requirement_line(result))

    def done(self) -> None:
        if self.interactive:
            self.say("\r\x1b[2K\n\x1b[2K\x1b[1A")


def requirement_line(result: RequirementResult) -> str:
    line = f"{result.id:<20} {result.outcome.upper():<5} {result.title}"
    return line + (f"\n    {result.reason}" if result.reason and result.outcome != "pass" else "")


def property_line(api: str, run: PropertyRun, settings: RunSettings) -> str:
    line = f"{api}: {run.cases} generated cases in {run.duration_s:.1f} s, digest {run.digest[:12]}"
    if run.stopped_by == "deadline":
        return line + f"; stopped by --deadline ({settings.deadline_s:g} s) before --max-examples was spent"
    if run.cut:
        return (line + f"; stopped at the --max-time ceiling ({settings.max_time_s:g} s) before --max-examples "
                f"{settings.max_examples} was spent, so these cases are not repeatable: raise --max-time")
    return line


def summary_line(results: list[RunResult], settings: RunSettings | None = None) -> str:
    total = {k: sum(counts(r.results)[k] for r in results) for k in ("pass", "fail", "warn", "skip", "error")}
    n = sum(len(r.results) for r in results)
    extra = "".join(f", {total[k]} {label}" for k, label in (("warn", "warned"), ("error", "undecided")) if total[k])
    line = f"{n} requirements: {total['pass']} passed, {total['fail']} failed, {total['skip']} skipped{extra}"
    stopped = any("--deadline" in r.reason for result in results for r in result.results if r.outcome == "error")
    if stopped and settings is not None and settings.deadline_s:
        line += f"; the run's --deadline ({settings.deadline_s:g} s) stopped it"
    return line


def execute(request: RunRequest, say: Callable[[str], None]) -> int:
    """The whole run; returns the exit code. Raises ConfigError (2) and Untestable (3)."""
    select = selector(request.only, request.exclude)
    if request.dry_run:
        catalogue = load_catalogue()
        for requirement in (r for api in _apis(request) for r in catalogue.for_api(api) if select(r.id)):
            say(f"{requirement.id:<20} {requirement.level:<6} {requirement.title}")
        return EXIT_PASS
    try:
        accepted = baseline.load(request.baseline) if request.baseline is not None else None
    except baseline.BaselineError as exc:
        raise ConfigError(f"--baseline: {exc}") from None
    started = datetime.now(UTC)
    if request.settings.insecure:  # said once here, instead of a warning per request
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        say("warning: --insecure: TLS certificates are not verified; such a run cannot certify a target")
    clock = time.monotonic()
    deadline = clock + request.settings.deadline_s if request.settings.deadline_s else None
    with targets(request) as chosen, ExitStack() as scratch:
        # Each target's processes capture its exchanges here, for report.har.
        parts = {t.api: Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="conformance-har-")))
                 for t in chosen}
        # One target's --workers start while its preflight waits on the target (stopped if it fails).
        early = start_workers(chosen[0], request.settings) if len(chosen) == 1 else []
        scratch.callback(lambda: [worker.stop() for worker in early])
        for index, target in enumerate(chosen):
            try:
                chosen[index] = preflight(target, replace(request.settings, capture_dir=str(parts[target.api])),
                                          select, deadline)
            except Untestable as exc:  # the reports still say why, and that nothing was decided
                _write_untestable(request, target, started, str(exc), select, len(chosen) > 1, parts[target.api])
                raise
        # The suite gets what is left of the deadline after the preflight.
        settings = request.settings if deadline is None else \
            replace(request.settings, deadline_s=max(deadline - time.monotonic(), 0.001))
        own = {t.api: replace(settings, capture_dir=str(parts[t.api])) for t in chosen}
        for target in chosen:
            say(f"{target.api}: testing {target.base_url} (profile {request.settings.profile}, "
                f"seed {request.settings.seed})")
            if target.create_source == "built from the docs":
                say(f"{target.api}: no [create] in the config: invoices are created with a body built from the "
                    f"docs: {json.dumps(target.create_body, separators=(',', ':'))}")
        total = sum(1 for target in chosen for r in load_catalogue().for_api(target.api) if select(r.id))
        bar, lock = ProgressBar(total, say, request.interactive), threading.Lock()

        def step(result: RequirementResult) -> None:  # results arrive from other processes' readers too
            with lock:
                bar.step(result)

        # The APIs side by side: all but the first in worker processes, started before the first runs.
        others = [Elsewhere(target, own[target.api], select, step) for target in chosen[1:]]
        try:
            results = [run_suite(chosen[0], own[chosen[0].api], select, progress=step, early=early)]
            results += [other.result() for other in others]
        finally:
            for other in others:
                other.stop()
        bar.done()
        comparisons: list[baseline.Comparison | None] = []
        for target, result in zip(chosen, results, strict=True):
            for r in result.results:
                if not r.tests:  # selected, but no test of it ran: say so too
                    say(requirement_line(r))
            comparison = baseline.compare(result.results, accepted) if accepted else None
            comparisons.append(comparison)
            directory = write_reports(request, target, result, started, len(chosen) > 1,
                                      comparison.to_dict(accepted.source) if comparison and accepted else None,
                                      parts[target.api])
            if result.property_run:
                say(property_line(target.api, result.property_run, request.settings))
            if result.throttled:
                say(f"{target.api}: the target answered 429 {len(result.throttled)} time(s); the run waited "
                    f"{sum(result.throttled):.1f} s in all and retried (a lower --max-rps avoids it)")
            say(f"{target.api}: verdict {result.verdict}; reports in {directory}/")
    say(summary_line(results, request.settings))
    verdicts = {r.verdict for r in results}
    if accepted is not None:
        merged = baseline.Comparison([i for c in comparisons if c for i in c.new],
                                     [i for c in comparisons if c for i in c.still],
                                     [i for c in comparisons if c for i in c.fixed])
        say(baseline.summary(merged))
        if merged.new:
            return EXIT_FAIL
        return EXIT_UNTESTABLE if "error" in verdicts else EXIT_PASS
    if "fail" in verdicts:
        return EXIT_FAIL
    return EXIT_UNTESTABLE if "error" in verdicts else EXIT_PASS
