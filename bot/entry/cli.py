"""The `onboard` console script."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.logs import configure_logging
from bot.playbooks import PlaybookError, PlaybookLibrary

log = logging.getLogger("onboard")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onboard", description="Customer onboarding in Slack.")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("serve", help="run the Slack app over HTTP (POST /slack/events, GET /healthz)")
    verbs.add_parser("socket", help="run the Slack app in Socket Mode (needs SLACK_APP_TOKEN)")
    db = verbs.add_parser("db", help="database maintenance")
    db_verbs = db.add_subparsers(dest="db_verb", required=True)
    db_verbs.add_parser("upgrade", help="apply migrations")
    db_verbs.add_parser(
        "rollup",
        help="rebuild every onboarding's metrics rollup (after rows were written outside Onboard)",
    )
    playbooks = verbs.add_parser("playbooks", help="playbook files")
    playbook_verbs = playbooks.add_subparsers(dest="playbooks_verb", required=True)
    playbook_verbs.add_parser("check", help="validate every playbook file")
    jobs = verbs.add_parser("jobs", help="scheduled jobs")
    job_verbs = jobs.add_subparsers(dest="jobs_verb", required=True)
    run = job_verbs.add_parser(
        "run", help="run a job once as if the clock read --now, queue, deliver, show what it did"
    )
    run.add_argument("job", help="stall-alerts, hypercare-sync, celebrations, digest or all")
    run.add_argument(
        "--now",
        help="the moment to run as, ISO-8601 (default: now); without an offset, ONBOARD_TIMEZONE",
    )
    export = verbs.add_parser("export", help="the book as CSV, one row per onboarding")
    export.add_argument("--output", help="write to this file (default: standard output)")
    export.add_argument("--database", help="database URL (default: DATABASE_URL)")
    usage = verbs.add_parser("usage", help="product usage records")
    usage_verbs = usage.add_subparsers(dest="usage_verb", required=True)
    usage_import = usage_verbs.add_parser(
        "import", help="import a CSV of daily usage (date,customer,active_users,licensed_users,…)"
    )
    usage_import.add_argument("file", type=Path, help="the CSV file")
    usage_import.add_argument("--database", help="database URL (default: DATABASE_URL)")
    demo = verbs.add_parser("demo", help="show Onboard at work without Slack (SQLite)")
    demo.add_argument(
        "--database",
        default="sqlite:///onboard-demo.db",
        help="where the demo keeps its data (default: %(default)s)",
    )
    demo.add_argument(
        "--start",
        type=date.fromisoformat,
        default=None,
        help="the day the story's deals close, YYYY-MM-DD (default: today)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (SettingsError, PlaybookError) as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.verb == "demo":
        from bot.entry.demo import run_demo

        return run_demo(args.database, start=args.start)
    if args.verb == "playbooks":
        settings = load_settings(require_slack=False)
        library = PlaybookLibrary.load(settings.templates_dir)
        for playbook in library:
            print(
                f"ok  {playbook.key:<12} {playbook.segment:<12} "
                f"{len(playbook.milestones)} milestones, {len(playbook.checklist)} checklist items"
            )
        from bot.services.health import health_rules

        rules = health_rules(settings)
        questions = sum(len(area.questions) for area in rules.areas)
        print(f"ok  health.yml   {len(rules.areas)} areas, {questions} questions")
        from bot.services.kickoff import load_kickoff_config

        kickoff = load_kickoff_config(settings.templates_dir)
        asked = len(kickoff.questionnaire.questions)
        print(f"ok  kickoff.yml  {len(kickoff.agenda)} agenda sections, {asked} questions")
        return 0
    if args.verb == "jobs":
        return _run_jobs(args)
    if args.verb == "export":
        return _export(args)
    if args.verb == "db":
        return _db(args)
    if args.verb == "usage":
        from bot.entry.usage_cli import import_usage

        return import_usage(
            load_settings(require_slack=False), args.file, args.database, sys.stdout
        )
    configure_logging()
    settings = load_settings()
    if args.verb == "socket" and not settings.slack_app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    return _serve(settings, socket_mode=args.verb == "socket")


def _db(args: argparse.Namespace) -> int:
    from bot import rollup
    from bot.db import Database
    from bot.slack.mrkdwn import count

    settings = load_settings(require_slack=False)
    db = Database(settings.database_url)
    db.upgrade()
    if args.db_verb == "rollup":
        with db.engine.begin() as connection:
            rebuilt = rollup.refresh(connection)
        print(f"rollup rebuilt for {count(rebuilt, 'onboarding')}")
    else:
        print("database is up to date")
    db.engine.dispose()
    return 0


def _run_jobs(args: argparse.Namespace) -> int:
    from bot.db import Database
    from bot.entry.jobs_cli import BadNowError, parse_now, run_jobs_command
    from bot.entry.runner import UnknownJobError, job_names

    configure_logging()
    settings = load_settings(require_slack=False)
    try:
        job_names(args.job)
        now = parse_now(args.now, settings.tz) if args.now else datetime.now(UTC)
    except (UnknownJobError, BadNowError) as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 2
    library = PlaybookLibrary.load(settings.templates_dir)
    db = Database(settings.database_url)
    db.upgrade()
    try:
        return run_jobs_command(settings, db, library, args.job, now, sys.stdout)
    finally:
        db.engine.dispose()


def _export(args: argparse.Namespace) -> int:
    from bot.db import Database
    from bot.services.export import write_csv
    from bot.services.metrics import ttfv_targets

    settings = load_settings(require_slack=False)
    library = PlaybookLibrary.load(settings.templates_dir)
    db = Database(args.database or settings.database_url)
    try:
        with db.session() as session:
            if args.output:
                with open(args.output, "w", newline="", encoding="utf-8") as out:
                    count = write_csv(session, out, ttfv_targets(library))
            else:
                count = write_csv(session, sys.stdout, ttfv_targets(library))
    finally:
        db.engine.dispose()
    print(f"exported {count} onboardings", file=sys.stderr)
    return 0


def _serve(settings, *, socket_mode: bool) -> int:  # type: ignore[no-untyped-def]
    from bot.db import Database
    from bot.entry.app import create_app
    from bot.entry.scheduler import outbox_kick, start_scheduler

    library = PlaybookLibrary.load(settings.templates_dir)
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    db.upgrade()
    app = create_app(settings, db=db, playbooks=library)
    deps = app.onboard_deps  # type: ignore[attr-defined]
    deps.outbox.start()
    # SIGTERM (docker stop, systemd) ends the process through the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = start_scheduler(
        settings, db, library, deliver=outbox_kick(app), metrics=deps.metrics
    )
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("starting in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token).start()
            return 0
        from bot.entry.server import create_server, make_wsgi_app
        from bot.entry.usage_endpoint import MAX_BODY_BYTES

        # One more than the largest either path takes: each says 413 with a why itself.
        largest = max(settings.max_request_bytes, MAX_BODY_BYTES if settings.usage_secret else 0)
        server = create_server(
            make_wsgi_app(app, db),
            host="0.0.0.0",
            port=settings.port,
            threads=settings.server_threads,
            max_body_bytes=largest + 1,
        )
        log.info("listening on port %s", settings.port)
        server.run()
        return 0
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        deps.outbox.stop()


if __name__ == "__main__":
    sys.exit(main())
