"""Where the program starts. Everything here wires the layers below together; nothing below
imports from here.

- `cli.main`: the `onboard` command (serve, socket, demo, jobs, migrate, ...).
- `app.create_app`: the Bolt app (settings, database, handlers, the outbox).
- `server`: HTTP mode, the request gate in front of Bolt, `/healthz` and `/metrics`.
- `scheduler`: APScheduler ticks that run the jobs; `runner`: one job run, claimed once.
- `jobs_cli`: `onboard jobs run` for operators and tests; `demo`: `onboard demo`, 90 days told
  in a minute, with no Slack workspace.
"""
