"""Reading Prometheus rule files and PrometheusRule objects from real files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mkdocs_runbook.alerts import AlertRule, expand_rule_paths, read_rules
from mkdocs_runbook.alerts import rules as rules_module

PROMETHEUS_RULE = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: api, namespace: prod}
spec:
  groups:
    - name: api
      rules:
        - alert: ApiDown
          expr: up == 0
          labels: {severity: critical}
          annotations:
            runbook_url: https://runbooks.example.org/api/#down
        - record: job:up:sum
          expr: sum(up)
---
# an empty document between two objects
---
apiVersion: v1
kind: List
items:
  - apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: db}
    spec:
      groups:
        - name: db
          rules:
            - alert: DbDown
              expr: up{job="db"} == 0
              annotations: {runbook_url: "  "}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: unrelated}
"""


def test_prometheus_rule_objects_in_multi_document_yaml(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(PROMETHEUS_RULE, encoding="utf-8")
    rules = read_rules([path], display_base=tmp_path)
    assert rules.errors == []
    assert rules.alerts == [
        AlertRule(
            name="ApiDown",
            file="rules.yaml",
            line=8,
            group="api",
            severity="critical",
            runbook_url="https://runbooks.example.org/api/#down",
        ),
        AlertRule(name="DbDown", file="rules.yaml", line=28, group="db", runbook_url=None),
    ]


def test_rule_file_problems_each_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yml"
    path.write_text(
        "groups:\n"
        "  - name: ok\n"
        "    rules:\n"
        "      - alert: Good\n"
        "        annotations: {runbook_url: https://x.example.org/}\n"
        "      - expr: up\n"
        "      - alert: {nested: name}\n"
        "      - alert: BadUrl\n"
        "        annotations: {runbook_url: [a, b]}\n"
        "  - name: notalist\n"
        "    rules: {alert: X}\n"
        "  - just a string\n"
        "  - name: empty\n"
        "    rules:\n",
        encoding="utf-8",
    )
    rules = read_rules([path])
    assert [alert.name for alert in rules.alerts] == ["Good"]
    assert [(error.line, error.message) for error in rules.errors] == [
        (6, "group 'ok': a rule needs 'alert' or 'record'"),
        (7, "group 'ok': 'alert' must be a name"),
        (9, "alert 'BadUrl': 'runbook_url' must be a string"),
        (11, "group 'notalist': 'rules' must be a list"),
        (12, "a rule group must be a mapping with 'name' and 'rules'"),
    ]
    assert (
        str(rules.errors[0]) == f"{path.as_posix()}:6: group 'ok': a rule needs 'alert' or 'record'"
    )


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("groups:\n  - name: g\n    rules: [\n", 4, "invalid YAML"),
        ("groups:\n\t- name: g\n", 2, "invalid YAML"),
        ("groups:\n  - name: g\n    rules: []\n  - name: \x07\n", 4, "#x0007 is not allowed"),
        ("services:\n  web: {image: nginx}\n", 0, "not a Prometheus rule file"),
        ("- just\n- a list\n", 0, "not a Prometheus rule file"),
        ("kind: PrometheusRule\nspec: {}\n", 1, "PrometheusRule without 'spec.groups'"),
        ("groups: 3\n", 1, "'groups' must be a list of rule groups"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    good = tmp_path / "good.yml"
    good.write_text("groups: [{name: g, rules: [{alert: Fine}]}]\n", encoding="utf-8")
    rules = read_rules([path, good])
    assert [alert.name for alert in rules.alerts] == ["Fine"], "the other file is still read"
    assert any(error.line == line and message in error.message for error in rules.errors), (
        rules.errors
    )
    assert all(error.file == path.as_posix() for error in rules.errors)


def test_not_utf8_and_empty_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yml"
    latin.write_bytes("groups: [{name: caf\u00e9}]\n".encode("latin-1"))
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    none = tmp_path / "none.yml"
    none.write_text("groups: null\n", encoding="utf-8")
    rules = read_rules([latin, empty, none])
    assert [(e.file.rsplit("/", 1)[-1], e.message) for e in rules.errors] == [
        ("latin.yml", "not valid UTF-8 (byte 19)"),
        (
            "empty.yml",
            "not a Prometheus rule file: no top-level 'groups' and no PrometheusRule "
            "object with 'spec.groups'",
        ),
    ]
    assert rules.alerts == []


def test_aliases_are_not_expanded(tmp_path: Path) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}" + f", *{chr(97 + i)}" * 9 + "]"
        for i in range(8)
    ]
    path = tmp_path / "bomb.yml"
    path.write_text(
        "\n".join(bomb) + "\ngroups: [{name: g, rules: [{alert: A, labels: *i}]}]\n",
        encoding="utf-8",
    )
    rules = read_rules([path])
    assert [(alert.name, alert.severity) for alert in rules.alerts] == [("A", "")]


def test_a_lone_surrogate_becomes_a_replacement_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libyaml refuses a "\ud800" escape; the pure-Python loader (used when PyYAML was built
    # without libyaml) accepts it, and no output could then encode the name.
    monkeypatch.setattr(rules_module, "_LOADER", yaml.SafeLoader)
    path = tmp_path / "r.yml"
    path.write_text('groups: [{name: g, rules: [{alert: "A\\ud800"}]}]\n', encoding="utf-8")
    (alert,) = read_rules([path]).alerts
    assert alert.name == "A\ufffd"
    alert.name.encode("utf-8")


def test_folders_globs_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "rules" / "team").mkdir(parents=True)
    for name in ("a.yml", "team/b.yaml", "team/notes.txt", ".hidden/c.yml"):
        (tmp_path / "rules" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "rules" / name).write_text("groups: []\n", encoding="utf-8")
    found = expand_rule_paths(["rules"], base_dir=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "rules/.hidden/c.yml",
        "rules/a.yml",
        "rules/team/b.yaml",
    ]
    globbed = expand_rule_paths(
        ["rules/**/*.yaml", "rules/a.yml", "rules/*.yml"], base_dir=tmp_path
    )
    assert [p.relative_to(tmp_path).as_posix() for p in globbed] == [
        "rules/team/b.yaml",
        "rules/a.yml",
    ]
    absolute = expand_rule_paths([str(tmp_path / "rules" / "*.yml")])
    assert absolute == [tmp_path / "rules" / "a.yml"]
    with pytest.raises(FileNotFoundError, match=re.escape("no rule files at 'rules/*.json'")):
        expand_rule_paths(["rules/*.json"], base_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=re.escape("no rule files at 'missing.yml'")):
        expand_rule_paths(["missing.yml"], base_dir=tmp_path)
