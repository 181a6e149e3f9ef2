from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_tables_budget_json():
    r = run("tables", "budget", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    app_rows = [x for x in rows if x["source"] == "appendix"]
    assert len(app_rows) == 71 and len([x for x in rows if x["source"] == "body"]) == 44
    youth = next(x for x in app_rows if x["program"] == "서울 청년활동 보장")
    assert youth["budget"] == 21_010_000 and youth["spent_rate"] == 29.9 and youth["spent_rate_printed"] == 30
    assert set(youth) >= {"doc", "source", "department", "program", "level", "budget", "committed", "spent",
                          "committed_rate", "spent_rate", "forecast", "forecast_rate", "line_start", "line_end", "repaired"}


def test_tables_audit_json_counts():
    r = run("tables", "audit", "--format", "json")
    rows = json.loads(r.stdout)
    assert len(rows) == 76
    assert sum(x["status"] == "완료" for x in rows) == 50 and sum(x["status"] == "추진중" for x in rows) == 25


def test_tables_csv_and_table():
    r = run("tables", "org", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("doc,department,quota,current")
    r = run("tables", "sections", "--format", "table")
    assert r.exit_code == 0 and "청년활동지원사업 강화" in r.stdout


def test_validate_json():
    r = run("validate", "--format", "json")
    rows = json.loads(r.stdout)
    kinds = {x["kind"] for x in rows}
    assert {"body_appendix_mismatch", "department_sum_mismatch", "staff_mismatch", "artifact_repaired"} <= kinds
    assert all(x["lines"] for x in rows)


def test_errors_are_one_line(tmp_path):
    r = run("tables", "nope")
    assert r.exit_code == 2 and "unknown table 'nope'" in r.output and "Traceback" not in r.output
    r = run("tables", "budget", "--format", "xml")
    assert r.exit_code == 2 and "unknown --format" in r.output
    r = run("tables", "budget", "--corpus", str(tmp_path))
    assert r.exit_code == 1 and "manifest not found" in r.output and "Traceback" not in r.output
