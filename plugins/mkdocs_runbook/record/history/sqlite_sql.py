"""The SQL a site build and a recorded run send to a SQLite store, compiled from the
SQLAlchemy statements by compile_sqlite.py. Generated: do not edit, run
``python -m mkdocs_runbook.record.history.compile_sqlite``.
"""

from __future__ import annotations

from typing import Any

#: name -> (SQL with :named parameters, the constants it binds, the columns it returns)
STATEMENTS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "schema_version": (
        "SELECT runbook_schema.version \nFROM runbook_schema",
        {},
        ("version",),
    ),
    "schema_stamp": (
        "INSERT INTO runbook_schema (version) VALUES (:version)",
        {},
        (),
    ),
    "site_checks": (
        "SELECT runbook_checks.page, runbook_checks.check_id, runbook_checks.zone, "
        "runbook_checks.recent, runbook_checks.last_passed_at \n"
        "FROM runbook_checks \n"
        "WHERE runbook_checks.env = :env",
        {},
        ("page", "check_id", "zone", "recent", "last_passed_at"),
    ),
    "site_pages": (
        "SELECT runbook_pages.page, max(runbook_pages.last_run_at) AS last_run_at, "
        "max(runbook_pages.last_verified_at) AS last_verified_at \n"
        "FROM runbook_pages \n"
        "WHERE runbook_pages.env = :env GROUP BY runbook_pages.page",
        {},
        ("page", "last_run_at", "last_verified_at"),
    ),
    "site_days": (
        "SELECT runbook_daily.page, runbook_daily.check_id, runbook_daily.zone, "
        "sum(runbook_daily.passing) AS passing_30d, sum(runbook_daily.runs) AS "
        "runs_30d, sum(CASE WHEN (runbook_daily.day >= :week_start) THEN "
        "runbook_daily.passing ELSE :param_1 END) AS passing_7d, sum(CASE WHEN "
        "(runbook_daily.day >= :week_start) THEN runbook_daily.runs ELSE :param_2 "
        "END) AS runs_7d \n"
        "FROM runbook_daily \n"
        "WHERE runbook_daily.env = :env AND runbook_daily.day >= :month_start GROUP "
        "BY runbook_daily.page, runbook_daily.check_id, runbook_daily.zone",
        {"param_1": 0, "param_2": 0},
        ("page", "check_id", "zone", "passing_30d", "runs_30d", "passing_7d", "runs_7d"),
    ),
    "site_last_runs": (
        "SELECT runbook_runs.id, runbook_runs.zone \n"
        "FROM runbook_runs \n"
        "WHERE runbook_runs.env = :env AND runbook_runs.started_at >= :day_ago",
        {},
        ("id", "zone"),
    ),
    "site_last_day": (
        "SELECT runbook_results.page, runbook_results.check_id, sum(CASE WHEN "
        "(runbook_results.status IN (__[POSTCOMPILE_status_1])) THEN :param_1 ELSE "
        ":param_2 END) AS passing, count(*) AS runs \n"
        "FROM runbook_results \n"
        "WHERE runbook_results.run_id IN (__[POSTCOMPILE_run_ids]) AND "
        "runbook_results.status != :status_2 AND runbook_results.checked_at >= "
        ":day_ago GROUP BY runbook_results.page, runbook_results.check_id",
        {"status_1": ["pass", "warn"], "param_1": 1, "param_2": 0, "status_2": "skip"},
        ("page", "check_id", "passing", "runs"),
    ),
    "run_exists": (
        "SELECT EXISTS (SELECT * \nFROM runbook_runs \nWHERE runbook_runs.id = :run_id) AS found",
        {},
        ("found",),
    ),
    "insert_run": (
        'INSERT INTO runbook_runs (id, started_at, finished_at, env, zone, "trigger",'
        " host, git_commit, checks) VALUES (:id, :started_at, :finished_at, :env, "
        ":zone, :trigger, :host, :git_commit, :checks)",
        {},
        (),
    ),
    "insert_results": (
        "INSERT INTO runbook_results (run_id, page, check_id, name, kind, status, "
        "value, message, duration_ms, checked_at, attempts) VALUES (:run_id, :page, "
        ":check_id, :name, :kind, :status, :value, :message, :duration_ms, "
        ":checked_at, :attempts)",
        {},
        (),
    ),
    "add_daily": (
        "INSERT INTO runbook_daily (env, zone, day, page, check_id, runs, passing) "
        "VALUES (:env, :zone, :day, :page, :check_id, :runs, :passing) ON CONFLICT "
        "(env, zone, day, page, check_id) DO UPDATE SET runs = (runbook_daily.runs + "
        "excluded.runs), passing = (runbook_daily.passing + excluded.passing)",
        {},
        (),
    ),
    "update_checks": (
        "INSERT INTO runbook_checks (env, zone, page, check_id, last_status, "
        "last_checked_at, last_passed_at, recent) VALUES (:env, :zone, :page, "
        ":check_id, :last_status, :last_checked_at, :last_passed_at, :recent) ON "
        "CONFLICT (env, zone, page, check_id) DO UPDATE SET last_status = CASE WHEN "
        "(excluded.last_checked_at >= runbook_checks.last_checked_at) THEN "
        "excluded.last_status ELSE runbook_checks.last_status END, last_checked_at = "
        "CASE WHEN (excluded.last_checked_at >= runbook_checks.last_checked_at) THEN "
        "excluded.last_checked_at ELSE runbook_checks.last_checked_at END, "
        "last_passed_at = CASE WHEN (runbook_checks.last_passed_at IS NULL OR "
        "excluded.last_passed_at > runbook_checks.last_passed_at) THEN "
        "excluded.last_passed_at ELSE runbook_checks.last_passed_at END, recent = "
        "CASE WHEN (excluded.last_checked_at >= runbook_checks.last_checked_at) THEN "
        "substr(runbook_checks.recent || excluded.recent, :substr_1) ELSE "
        "runbook_checks.recent END",
        {"substr_1": -420},
        (),
    ),
    "known_pages": (
        "SELECT runbook_pages.env, runbook_pages.zone, runbook_pages.page, "
        "runbook_pages.last_run_at, runbook_pages.last_verified_at \n"
        "FROM runbook_pages \n"
        "WHERE runbook_pages.env = :env AND runbook_pages.zone = :zone AND "
        "runbook_pages.page IN (__[POSTCOMPILE_pages])",
        {},
        ("env", "zone", "page", "last_run_at", "last_verified_at"),
    ),
    "update_pages": (
        "INSERT INTO runbook_pages (env, zone, page, last_run_at, last_verified_at) "
        "VALUES (:env, :zone, :page, :last_run_at, :last_verified_at) ON CONFLICT "
        "(env, zone, page) DO UPDATE SET last_run_at = excluded.last_run_at, "
        "last_verified_at = excluded.last_verified_at",
        {},
        (),
    ),
    "prune_results": (
        "DELETE FROM runbook_results WHERE runbook_results.run_id IN (SELECT "
        "runbook_runs.id \n"
        "FROM runbook_runs \n"
        "WHERE runbook_runs.started_at < :before)",
        {},
        (),
    ),
    "prune_runs": (
        "DELETE FROM runbook_runs WHERE runbook_runs.started_at < :before",
        {},
        (),
    ),
    "prune_daily": (
        "DELETE FROM runbook_daily WHERE runbook_daily.day < :before_day",
        {},
        (),
    ),
    "prune_checks": (
        "DELETE FROM runbook_checks WHERE runbook_checks.last_checked_at < :before",
        {},
        (),
    ),
    "prune_pages": (
        "DELETE FROM runbook_pages WHERE runbook_pages.last_run_at < :before",
        {},
        (),
    ),
}

#: What makes a new store's tables and indexes, in order (then SCHEMA_STAMP).
SCHEMA: tuple[str, ...] = (
    "\n"
    "CREATE TABLE runbook_checks (\n"
    "\tenv VARCHAR(200) NOT NULL, \n"
    "\tzone VARCHAR(200) NOT NULL, \n"
    "\tpage VARCHAR(500) NOT NULL, \n"
    "\tcheck_id VARCHAR(200) NOT NULL, \n"
    "\tlast_status VARCHAR(8) NOT NULL, \n"
    "\tlast_checked_at VARCHAR(20) NOT NULL, \n"
    "\tlast_passed_at VARCHAR(20), \n"
    "\trecent VARCHAR(420) NOT NULL, \n"
    "\tPRIMARY KEY (env, zone, page, check_id)\n"
    ")\n"
    "\n",
    "\n"
    "CREATE TABLE runbook_daily (\n"
    "\tenv VARCHAR(200) NOT NULL, \n"
    "\tzone VARCHAR(200) NOT NULL, \n"
    "\tday INTEGER NOT NULL, \n"
    "\tpage VARCHAR(500) NOT NULL, \n"
    "\tcheck_id VARCHAR(200) NOT NULL, \n"
    "\truns INTEGER NOT NULL, \n"
    "\tpassing INTEGER NOT NULL, \n"
    "\tPRIMARY KEY (env, zone, day, page, check_id)\n"
    ")\n"
    " WITHOUT ROWID\n"
    "\n",
    "CREATE INDEX runbook_daily_by_day ON runbook_daily (day)",
    "\n"
    "CREATE TABLE runbook_pages (\n"
    "\tenv VARCHAR(200) NOT NULL, \n"
    "\tzone VARCHAR(200) NOT NULL, \n"
    "\tpage VARCHAR(500) NOT NULL, \n"
    "\tlast_run_at VARCHAR(20) NOT NULL, \n"
    "\tlast_verified_at VARCHAR(20), \n"
    "\tPRIMARY KEY (env, zone, page)\n"
    ")\n"
    "\n",
    "\n"
    "CREATE TABLE runbook_results (\n"
    "\trun_id VARCHAR(64) NOT NULL, \n"
    "\tpage VARCHAR(500) NOT NULL, \n"
    "\tcheck_id VARCHAR(200) NOT NULL, \n"
    "\tname TEXT NOT NULL, \n"
    "\tkind VARCHAR(16) NOT NULL, \n"
    "\tstatus VARCHAR(8) NOT NULL, \n"
    "\tvalue TEXT NOT NULL, \n"
    "\tmessage TEXT NOT NULL, \n"
    "\tduration_ms FLOAT NOT NULL, \n"
    "\tchecked_at VARCHAR(20) NOT NULL, \n"
    "\tattempts INTEGER NOT NULL, \n"
    "\tPRIMARY KEY (run_id, page, check_id)\n"
    ")\n"
    " WITHOUT ROWID\n"
    "\n",
    "\n"
    "CREATE TABLE runbook_runs (\n"
    "\tid VARCHAR(64) NOT NULL, \n"
    "\tstarted_at VARCHAR(20) NOT NULL, \n"
    "\tfinished_at VARCHAR(20) NOT NULL, \n"
    "\tenv VARCHAR(200) NOT NULL, \n"
    "\tzone VARCHAR(200) NOT NULL, \n"
    '\t"trigger" VARCHAR(16) NOT NULL, \n'
    "\thost VARCHAR(255) NOT NULL, \n"
    "\tgit_commit VARCHAR(64), \n"
    "\tchecks INTEGER NOT NULL, \n"
    "\tPRIMARY KEY (id)\n"
    ")\n"
    "\n",
    "CREATE INDEX runbook_runs_by_env_time ON runbook_runs (env, started_at)",
    "CREATE INDEX runbook_runs_by_time ON runbook_runs (started_at)",
    "\nCREATE TABLE runbook_schema (\n\tversion INTEGER NOT NULL\n)\n\n",
)
