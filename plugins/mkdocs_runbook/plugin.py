"""The MkDocs plugin ``runbook`` (SPEC 5, 6; DESIGN "In MkDocs").

Flow of one build: ``on_config`` starts the check worker processes (kept across ``mkdocs
serve`` rebuilds); ``on_page_markdown`` finds a page's checks, prepares them and submits them
to the workers, so every check of the site runs at once, in other processes, while MkDocs
converts the other pages. The SuperFences formatter leaves a placeholder where each
check sits (inside admonitions, tabs and snippets too); ``on_post_page`` waits for that
page's results, swaps in the badges and hands the page's badge files to a writing process
(``on_page_content`` already, when the page's results were all in, say from the cache).
``on_post_build`` writes the report and JUnit, waits for the badge files, and ends the build
when a status in ``fail_on`` occurred.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown import Markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .build_end import judge_build
from .config import RunbookConfig, load_runbook_config, settings_from_config, snippet_dirs
from .errors import ConfigError
from .find import (
    block_key,
    custom_fences,
    decode_page,
    highlight,
    is_marked,
    page_owner,
    text_mode_newlines,
)
from .long_lived import ObjectsBeforeBuild
from .model import CheckBlock, PageProblem
from .page_checks import (
    SLOT,
    SLOT_ATTR,
    SLOT_RE,
    STATUS_SLOT,
    BuildHistory,
    PageCheck,
    PageParses,
    PageState,
    catalog_source,
    display_source,
    front_matter_lines,
    page_display,
    wait_for_outcome,
    with_summary_slot,
)
from .parse import load_catalog, parse_blocks, unreadable_page_check
from .record import BadgeWriter, write_site_outputs
from .record.imports import ResultsElsewhere, report_directories
from .render import RenderedMarkup, stylesheet
from .render.highlight_cache import HighlightCache, setup_fingerprint
from .render.kept_status_page import KeptStatusPage
from .results import CheckResult, RunOutcome, iso_utc, utc_now
from .run import CacheMode, CheckRunner, PreparedCheck, ResultCache, WorkerPool
from .run.ahead import PagesAhead, has_pages
from .run.kept_preparations import KeptPreparations, prepare_page, reuse_ahead
from .settings import RunbookSettings
from .site_views import (
    hand_page_badges,
    load_alerts,
    place_page_results,
    results_elsewhere,
    status_page_html,
)

if TYPE_CHECKING:  # the alerts load only for a site with alert_rules
    from .alerts import SiteAlerts

log = logging.getLogger("mkdocs.plugins.runbook")

STYLESHEET_URI = "assets/runbook/runbook.css"
#: A site this small is parsed before a child process could start.
PARSE_AHEAD_MIN_PAGES = 20


class RunbookPlugin(BasePlugin[RunbookConfig]):  # type: ignore[no-untyped-call]
    supports_multiple_instances = False

    def __init__(self) -> None:
        #: The check worker processes: started at ``on_config``, kept across ``serve``
        #: rebuilds, stopped at the end of a build or of a ``serve`` session.
        self.workers: WorkerPool | None = None
        self.cache: ResultCache | None = None
        self.command = "build"
        #: ``--dirty``: MkDocs keeps the site folder's files, so the badges stay in place too.
        #: Unknown (``None``) when MkDocs' ``build`` runs without ``on_startup``.
        self.dirty: bool | None = None
        self.settings = RunbookSettings()
        self.runner: CheckRunner | None = None
        self.pages: dict[str, PageState] = {}
        self.current: str | None = None
        self.started_at = ""
        self.status_url: str | None = None
        #: Builds since ``on_startup``: under ``run: auto`` only the first of a ``serve``
        #: session runs every check live.
        self.builds = 0
        #: Pages that are not valid UTF-8, by ``src_uri``: shown, and one error each.
        self.page_problems: dict[str, PageProblem] = {}
        #: Each page's text as read at ``on_page_read_source``, by ``src_uri``: not read again
        #: to count its front matter.
        self.page_sources: dict[str, str] = {}
        self.history: BuildHistory | None = None
        self.alerts: SiteAlerts | None = None
        self.elsewhere = ResultsElsewhere()
        # Kept across `mkdocs serve` rebuilds, keyed by content, so an edit to one page's
        # prose costs the plugin almost nothing on the other pages.
        self.parses = PageParses()
        self.preparations = KeptPreparations()
        self.highlights = HighlightCache()
        #: Checks' and page summaries' markup, reused by the next `serve` rebuild when nothing
        #: they show changed.
        self.rendered = RenderedMarkup()
        self.status_markup = KeptStatusPage()
        #: Writes each page's badge files as the page is done (none under ``serve``).
        self.badges: BadgeWriter | None = None
        #: Finds and parses the pages ahead of MkDocs in a build with no check running.
        self.ahead: PagesAhead | None = None
        #: Out of the build's garbage collections from ``on_config`` to its end.
        self.objects_before = ObjectsBeforeBuild()

    # -- configuration -------------------------------------------------------------------

    def load_config(
        self, options: dict[str, Any], config_file_path: str | None = None
    ) -> tuple[Any, Any]:
        self.config, errors, warnings = load_runbook_config(options, config_file_path)
        return errors, warnings

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Having on_startup keeps this object across `mkdocs serve` rebuilds, and with it
        # the in-memory cache: editing prose does not hit live targets again.
        self.command = command
        self.dirty = dirty
        self.builds = 0

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        config_dir = Path(config.config_file_path or ".").resolve().parent
        try:
            self.settings = settings_from_config(
                self.config,
                config_dir=config_dir,
                snippet_paths=snippet_dirs(
                    config.markdown_extensions, config.mdx_configs, config_dir
                ),
            )
        except ConfigError as exc:
            raise PluginError(f"runbook: {exc}") from None
        if self.workers is None or self.workers.processes != self.settings.workers:
            if self.workers is not None:
                self.workers.close()
            self.workers = WorkerPool(self.settings.workers)
        mode = self._cache_mode()
        if mode == "always":
            # Started first: their start-up overlaps the rest of the set-up and MkDocs reading
            # the pages. A build that may take every result from the cache starts them at its
            # first check that runs, if any.
            self.workers.start()
        self._start_ahead(mode, config.docs_dir)
        cache_dir = config_dir / ".cache" / "runbook"
        # One plugin object can outlive its site (MkDocs keeps it across `serve` rebuilds, and
        # a process may build another site after): the cache belongs to the site being built.
        if self.cache is None or self.cache.directory != cache_dir:
            self.cache = ResultCache(cache_dir)
        if "pymdownx.superfences" not in config.markdown_extensions:
            config.markdown_extensions.append("pymdownx.superfences")
        options = config.mdx_configs.setdefault("pymdownx.superfences", {})
        fences = [f for f in options.get("custom_fences", []) if f.get("class") != "runbook"]
        options["custom_fences"] = fences + custom_fences(self._format_fence)
        config.extra_css.append(STYLESHEET_URI)
        # Highlighted sources are kept for the next build, under the same Markdown settings.
        self.highlights.begin(
            cache_dir, setup_fingerprint(config.markdown_extensions, config.mdx_configs)
        )
        catalog = load_catalog(self.settings.catalog)
        if self.settings.catalog is not None and self.settings.catalog.is_dir():
            config.watch.append(str(self.settings.catalog))  # serve rebuilds on catalog edits
        for problem in catalog.problems:
            log.warning("catalog: %s", problem)
        self.builds += 1
        self.runner = CheckRunner(
            self.settings, catalog=catalog, cache=self.cache, mode=mode, workers=self.workers
        )
        if self.command == "serve":
            self.preparations.next_build(self.runner)
        self.pages = {}
        self.page_problems = {}
        self.page_sources = {}
        self.rendered.next_build()
        self.started_at = iso_utc(utc_now())
        self.history = BuildHistory(self.settings, started_at=self.started_at)
        self.elsewhere = results_elsewhere(
            list(self.config["import"]), config_dir, self.settings, mode=mode
        )
        self._stop_badges()
        # A live preview needs the pages; badge files for a thousand checks would cost every
        # rebuild most of a second.
        if self.command != "serve":
            # With workers running, the writing process waits for them to end: the two
            # would add up to the build's peak memory (issue 14).
            self.badges = BadgeWriter(
                Path(config.site_dir),
                self.settings.zone,
                trash=cache_dir / "badge-trash",
                old_copies=cache_dir / "badge-files",
                deferred=mode == "always",
                # Started once the parsing child is done (``on_page_content``): the second
                # core then runs one helper at a time, not two beside MkDocs' thread.
                held=self.ahead is not None,
            )
        if self.command == "serve":
            # A zone's next report (its runner's next run) shows without touching a page.
            imports = report_directories(self.config["import"], config_dir)
            config.watch.extend(str(folder) for folder in imports)
        self.alerts = load_alerts(self.settings, config_dir, config.site_url)
        # Set up: what exists now lives through the build; its collections need not walk it.
        self.objects_before.freeze()
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Just before MkDocs cleans the site folder: the last build's badges leave in one
        # rename, to be taken back and written over at this build's first badge.
        if self.config.enabled and self.badges is not None and self.dirty is False:
            self.badges.clear_old()

    def _cache_mode(self) -> CacheMode:
        modes: dict[str, CacheMode] = {"always": "always", "cached": "cached", "never": "never"}
        if self.config.run == "auto":
            # A new `serve` session shows live results first: what an earlier session left in
            # .cache may predate a fix. Its rebuilds then reuse results within cache_ttl.
            return "cached" if self.command == "serve" and self.builds > 0 else "always"
        return modes[self.config.run]

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        files.append(File.generated(config, STYLESHEET_URI, content=stylesheet()))
        status_page = self.config.status_page
        self.status_url = None
        if status_page:
            status_file = files.get_file_from_path(status_page)
            if status_file is None:
                content = f"# Check status\n\n{STATUS_SLOT}\n"
                status_file = File.generated(config, status_page, content=content)
                files.append(status_file)
            self.status_url = status_file.url
        if self.alerts is not None:
            from .alerts import SitePage

            self.alerts.map_pages(
                SitePage(f.src_uri, f.dest_uri, f.url) for f in files.documentation_pages()
            )
        self._parse_ahead(files)
        return files

    def _start_ahead(self, mode: CacheMode, docs_dir: str) -> None:
        """In a build whose checks do not run (their results come from the cache, or none
        does), the second core would idle: a child process finds and parses the pages there,
        ahead of MkDocs. Started here, its imports overlap MkDocs' clean and its search for
        the pages; ``_parse_ahead`` hands it the pages. Not under ``serve``, whose rebuilds
        reuse the parses they kept, nor where check workers run: they have that core, and the
        build's memory would add up. A site that seems too small for it starts none."""
        self._stop_ahead()
        if (
            self.command != "serve"
            and mode != "always"
            and has_pages(docs_dir, PARSE_AHEAD_MIN_PAGES)
        ):
            self.ahead = PagesAhead()

    def _parse_ahead(self, files: Files) -> None:
        """Hand the pages to the child started at ``on_config``, or end it: a site of fewer
        pages than ``PARSE_AHEAD_MIN_PAGES`` parses them here sooner than it would unpickle."""
        if self.ahead is None:
            return
        pages = [
            (f.src_uri, f.abs_src_path)
            for f in files.documentation_pages()
            if f.abs_src_path is not None
        ]
        if len(pages) >= PARSE_AHEAD_MIN_PAGES:
            preparing = None
            if self.runner is not None and self.cache is not None and self.cache.directory:
                # The child prepares the checks too, and takes their outcomes from the cache.
                runner = self.runner
                preparing = (runner.settings, runner.catalog, runner.mode, self.cache.directory)
            self.ahead.parse(pages, self.settings.snippet_paths, preparing)
        else:
            self._stop_ahead()

    def _stop_ahead(self) -> None:
        if self.ahead is not None:
            ahead, self.ahead = self.ahead, None
            ahead.close()

    # -- pages ---------------------------------------------------------------------------

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        """A page that is not UTF-8 is shown (bad bytes as �) with one error, instead of
        MkDocs ending the build; every other page is left to MkDocs."""
        if not self.config.enabled or page.file.abs_src_path is None:
            return None
        try:
            raw = Path(page.file.abs_src_path).read_bytes()
        except OSError:
            return None  # MkDocs reports it as it always does
        text, problem = decode_page(raw, page.file.src_uri)
        # What MkDocs removes as front matter is counted on the text as MkDocs reads it.
        self.page_sources[page.file.src_uri] = text_mode_newlines(text)
        if problem is None:
            return None
        self.page_problems[page.file.src_uri] = problem  # logged with the broken checks
        return text

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self.runner is None:
            return None
        page_path = page.file.src_uri
        state = PageState(
            url=page.url,
            display=page_display(page.meta, self.config.display, page_path),
            owner=page_owner(page.meta),
        )
        self.pages[page_path] = state
        self.current = page_path
        problem = self.page_problems.get(page_path)
        if problem is not None:
            # Its blocks may hold anything where the bad bytes were: none of them runs, and
            # the page's one result sits at its top.
            state.runs_checks = False
            slot = f"{page_path}#unreadable"
            self._submit(state, self.runner.prepare(unreadable_page_check(problem)), None, slot)
            return f"{SLOT.format(key=html.escape(slot))}\n\n{markdown}"
        offset = front_matter_lines(page.file, markdown, self.page_sources.pop(page_path, None))
        parsed = self.parses.get(page_path, markdown, self.settings.snippet_paths, self.ahead)
        ahead = self.ahead.prepared(page_path, parsed, offset) if self.ahead else None
        prepared: list[tuple[PreparedCheck, RunOutcome | None]]
        if ahead is not None:  # prepared, and looked up in the cache, by the parsing child
            prepared = reuse_ahead(self.runner, ahead)
        elif self.command == "serve":  # a page unchanged since the last rebuild: not again
            prepared = [
                (check, None)
                for check in self.preparations.page(self.runner, page_path, parsed, offset)
            ]
        else:
            prepared = [(check, None) for check in prepare_page(self.runner, parsed, offset)]
        for number, ((block, _), (check, cached)) in enumerate(zip(parsed, prepared, strict=True)):
            self._submit(state, check, block, f"{page_path}#{number}", cached)
        return None

    def _highlighted(self, text: str, lang: str, md: Markdown) -> str:
        return self.highlights.get(
            lang, text, lambda: highlight(text, lang, {}, md, classes=[], id_value="", attrs={})
        )

    def _submit(
        self,
        state: PageState,
        prepared: PreparedCheck,
        block: CheckBlock | None,
        slot: str,
        cached: RunOutcome | None = None,
    ) -> PageCheck:
        """``cached``: the cache's outcome for ``prepared``, taken already by the parsing
        child (``run.ahead``)."""
        assert self.runner is not None
        if cached is not None:
            future = self.runner.submit_cached(prepared, cached)
        else:
            future = self.runner.submit(prepared)
        lang = block.lang if block is not None else prepared.item.lang
        check = PageCheck(slot=slot, prepared=prepared, outcome=future, lang=lang)
        state.checks.append(check)
        if block is not None:
            state.unplaced[block_key(block.lang, block.body)].append(check)
        return check

    def _format_fence(
        self,
        src: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Markdown,
        **kwargs: Any,
    ) -> str:
        """SuperFences formatter for ``check`` and shell fences: a placeholder for a check,
        the ordinary highlighted block for an unmarked shell block."""
        if not is_marked(language, options, kwargs.get("classes") or []):
            return highlight(src, language, options, md, **kwargs)
        state = self.pages.get(self.current or "")
        if state is None or not state.runs_checks:
            return highlight(src, language, options, md, **kwargs)
        lang = "check" if language == "check" else language
        waiting = state.unplaced.get(block_key(lang, src))
        if waiting:
            check = waiting.popleft()
        else:
            # SuperFences saw a block the finder did not (an exotic nesting): still run it.
            log.warning("%s: a check block was found only by the site build", self.current)
            block = CheckBlock(page=self.current or "", line=0, lang=lang, body=src)
            assert self.runner is not None
            prepared = self.runner.prepare(parse_blocks([block])[0])
            check = self._submit(state, prepared, None, f"{self.current}#x{len(state.checks)}")
        shown = display_source(check.prepared) or src
        shown_lang = "yaml" if lang == "check" else lang
        check.source_html = self._highlighted(shown, shown_lang, md)
        if self.runner is not None:
            check.catalog = catalog_source(
                check.prepared, self.runner, lambda text: self._highlighted(text, "yaml", md)
            )
        return SLOT.format(key=html.escape(check.slot))

    def on_page_content(
        self, html_text: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return None
        state = self.pages.get(page.file.src_uri)
        if state is not None and state.checks:
            # A fence inside an indented code block reaches the formatter but is shown as text:
            # only checks whose placeholder made it into the page are the page's checks.
            placed = {html.unescape(key) for key in SLOT_RE.findall(html_text)}
            state.checks = [check for check in state.checks if check.slot in placed]
        if self.alerts is not None:
            slots = {check.slot: check.prepared.item.id for check in state.checks} if state else {}
            html_text = self.alerts.add_links_box(
                page.file.src_uri, html_text, lambda tag: slots.get(tag.get(SLOT_ATTR) or "")
            )
        if state is None or not state.checks:
            return html_text
        badges = self.badges
        if badges is not None and badges.held and (self.ahead is None or self.ahead.finished()):
            badges.start()  # held while the parsing child ran (on_config): its core is free
        if self.badges is not None and all(check.outcome.done() for check in state.checks):
            # Results in already (from the cache): the page's badge files go to the writer now,
            # while MkDocs reads the other pages, not when this one is rendered at the end.
            self._collect(state)
            hand_page_badges(state, self.elsewhere, self.badges)
        return with_summary_slot(html_text)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if not self.config.enabled:
            return None
        if STATUS_SLOT in output:
            results = self.all_results()
            self._end_workers_when_done()
            assert self.history is not None
            status = status_page_html(
                page.url,
                results,
                pages=self.pages,
                history=self.history,
                elsewhere=self.elsewhere,
                settings=self.settings,
                started_at=self.started_at,
                alerts=self.alerts,
                memo=self.status_markup if self.command == "serve" else None,
            )
            output = output.replace(STATUS_SLOT, status, 1)
        state = self.pages.get(page.file.src_uri)
        if state is None or not state.checks:
            return output
        self._collect(state)
        self._end_workers_when_done()
        self._hand_badges_over()
        return place_page_results(
            output,
            state,
            page_path=page.file.src_uri,
            status_page_url=self._status_url(page),
            elsewhere=self.elsewhere,
            settings=self.settings,
            started_at=self.started_at,
            history=self.history,
            badges=self.badges,
            memo=self._memo(),
        )

    def _memo(self) -> RenderedMarkup | None:
        # A build of its own renders each fragment once: nothing to keep for later.
        return self.rendered if self.command == "serve" else None

    def _collect(self, state: PageState) -> list[CheckResult]:
        assert self.runner is not None
        for check in state.checks:
            if check.result is None:
                if self.badges is not None:  # MkDocs would only wait: write badge files
                    self.badges.write_until(check.outcome.done)
                # The runner masks every result with all the secrets of the run.
                outcome = wait_for_outcome(check.outcome, check, self.runner.redactor)
                check.result = self.runner.result(check.prepared, outcome)
                if self.history is not None:
                    self.history.measured(check.result)
        return [check.result for check in state.checks if check.result is not None]

    def _end_workers_when_done(self) -> None:
        """Outside ``serve``, end the workers once every check of the build is done (all were
        submitted before the first page is rendered), not at ``on_post_build``: what the rest
        of the build holds (the status page, the report) then never adds to their memory."""
        if self.command == "serve" or self.workers is None or self.runner is None:
            return
        if self.runner.all_submitted_done():
            self.workers.close(wait=False)  # on_shutdown waits for them

    def _hand_badges_over(self) -> None:
        """Once the workers are closed, badge files waiting for the writing process are written
        here until the workers have exited (a few hundredths of a second); then the process
        starts and takes the rest. Started before, it would add to the workers' memory."""
        if self.badges is None or self.workers is None or self.workers.pids:
            return
        self.badges.write_until(self.workers.exited)
        if self.workers.exited():
            self.badges.start()

    def all_results(self) -> list[CheckResult]:
        results: list[CheckResult] = []
        for state in self.pages.values():
            results += self._collect(state)
        return results

    def _status_url(self, page: Page) -> str | None:
        if self.status_url is None or self.status_url == page.url:
            return None
        return get_relative_url(self.status_url, page.url)

    # -- the end of a build ----------------------------------------------------------------

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        try:
            self._end_build(config)
        finally:
            self.objects_before.thaw()

    def _end_build(self, config: MkDocsConfig) -> None:
        if not self.config.enabled or self.runner is None:
            return
        results = self.all_results()
        self._end_run()  # every result is in: the workers end while the files are written
        self._hand_badges_over()
        write_site_outputs(
            [shown for result in results for shown in self.elsewhere.shown(result)],
            site_dir=Path(config.site_dir),
            env=self.settings.env,
            zone=self.settings.zone,
            started_at=self.started_at,
            report=self.config.report,
            junit=self.config.junit,
        )
        # The history is written while the badge writer finishes its last files.
        if self.history is not None:
            for problem in self.history.record(results, finished_at=iso_utc(utc_now())):
                log.warning(problem)
        if self.badges is not None:  # written page by page (on_post_page)
            badges, self.badges = self.badges, None
            if self.workers is not None and self.command != "serve":
                # Gone by now but for a small site: the writer's memory never adds to theirs.
                self.workers.close()
            try:
                badges.finish()
            except OSError as exc:
                raise PluginError(f"runbook: badge files: {exc}") from None
        judge_build(
            results,
            env=self.settings.env,
            fail_on=self.settings.fail_on,
            strict=config.strict,
            serve=self.command == "serve",
        )

    def on_build_error(self, *, error: Exception) -> None:
        self.objects_before.thaw()
        if self.config.enabled:
            self._end_run()
            self._stop_badges()

    def _stop_badges(self) -> None:
        """A build that ended without ``on_post_build``: its badge writer stops; what went
        wrong in it is not news, the build's own error is."""
        if self.badges is not None:
            badges, self.badges = self.badges, None
            badges.stop()

    def _end_run(self) -> None:
        """The build's checks are over: the cache is written; a ``serve`` session keeps its
        workers for the next rebuild, any other build stops them."""
        if self.runner is not None:
            self.runner.close()
            self.runner = None
        self._stop_ahead()
        self.highlights.flush()
        if self.command != "serve" and self.workers is not None:
            self.workers.close(wait=False)  # on_shutdown waits for them

    def on_shutdown(self) -> None:
        self.objects_before.thaw()
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        self._stop_ahead()
        # The session is over: what it kept of the pages goes now. Left to the interpreter's
        # exit, a thousand checks' objects (parsed blocks, prepared checks, results) made it
        # 50-180 ms slower than plain MkDocs' exit; let go here, they take under 10 ms.
        self.pages = {}
        self.history = None
        self.parses = PageParses()
        self.preparations = KeptPreparations()
        self.rendered = RenderedMarkup()
        self.status_markup = KeptStatusPage()
