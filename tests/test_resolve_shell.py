"""Template values in commands as references to environment variables (``resolve.shell``):
the reference written for each quoting context, and the places no variable can reach.

Whether bash then reads them as intended (and never runs a value) is tested with real bash
in ``test_faults_secrets``.
"""

from __future__ import annotations

import subprocess

import pytest

from mkdocs_runbook.resolve.shell import ShellPlacementError, marker, with_references

V = "${RUNBOOK_V1}"


def references(template: str, value: str = "value") -> str:
    """``template`` with ``@`` standing for the value's marker, rendered."""
    script, environment = with_references(template.replace("@", marker(0)), [value])
    assert environment == {"RUNBOOK_V1": value}
    return script


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("echo @", f'echo "{V}"'),
        ("echo x@y", f'echo x"{V}"y'),
        ('echo "a @ b"', f'echo "a {V} b"'),
        ("echo 'a @ b'", f"echo 'a '\"{V}\"' b'"),
        ("echo $'a\\t@'", f"echo $'a\\t'\"{V}\"$''"),
        ('echo $"a @"', f'echo $"a {V}"'),
        ("echo `echo @`", f'echo `echo "{V}"`'),
        ('echo "`echo @`"', f'echo "`echo "{V}"`"'),
        ("echo $(echo @)", f'echo $(echo "{V}")'),
        ('echo "$(echo "@")"', f'echo "$(echo "{V}")"'),
        ("echo $(( @ + 1 ))", f"echo $(( {V} + 1 ))"),
        ("(( @ > 2 ))", f"(( {V} > 2 ))"),
        ("echo ${X:-@}", f'echo ${{X:-"{V}"}}'),
        ('echo "${X:-@}"', f'echo "${{X:-{V}}}"'),
        ("echo ${X:-'@'}", f"echo ${{X:-''\"{V}\"''}}"),
        ("[[ @ == a* ]]", f'[[ "{V}" == a* ]]'),
        ("x=@; echo $x", f'x="{V}"; echo $x'),
        ("echo a # @ in a comment", f'echo a # "{V}" in a comment'),
        ("echo a#@", f'echo a#"{V}"'),
        ("echo \\' @", f'echo \\\' "{V}"'),
        ('echo "\\"" @', f'echo "\\"" "{V}"'),
        ("cat <<EOF\n@\nEOF", f"cat <<EOF\n{V}\nEOF"),
        ("cat <<-EOF\n\t'@'\n\tEOF\necho @", f"cat <<-EOF\n\t'{V}'\n\tEOF\necho \"{V}\""),
        ("cat <<EOF\n$(echo @)\nEOF", f'cat <<EOF\n$(echo "{V}")\nEOF'),
        ("cat <<A; cat <<B\n@\nA\n@\nB", f"cat <<A; cat <<B\n{V}\nA\n{V}\nB"),
        ("cat <<'A'\nx\nA\necho @", f"cat <<'A'\nx\nA\necho \"{V}\""),
        ("cat <<< @", f'cat <<< "{V}"'),
        ("echo $((1 << 2)) @", f'echo $((1 << 2)) "{V}"'),
    ],
)
def test_each_context_gets_the_reference_bash_expands_there(template: str, expected: str) -> None:
    assert references(template) == expected


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("cat <<'EOF'\n@\nEOF", "quoted heredoc"),
        ('cat <<"EOF"\nx @\nEOF', "quoted heredoc"),
        ("cat <<\\EOF\n@\nEOF", "quoted heredoc"),
        ("cat <<E'O'F\n@\nEOF", "quoted heredoc"),
        ("cat <<@\nx\n", "delimiter"),
        ("echo \\@", "backslash"),
        ('echo "\\@"', "backslash"),
    ],
)
def test_places_no_variable_reaches_are_refused(template: str, problem: str) -> None:
    with pytest.raises(ShellPlacementError, match=problem):
        references(template)


def test_the_error_names_the_line_of_the_command() -> None:
    with pytest.raises(ShellPlacementError) as caught:
        references("echo one\necho two\ncat <<'EOF'\n@\nEOF")
    assert caught.value.line == 4


@pytest.mark.parametrize("value", ["a[$(id)]", "x[`id`]", "a[0]+b[${c}]", "z[\n$(id)]"])
def test_a_value_bash_arithmetic_would_run_is_refused(value: str) -> None:
    with pytest.raises(ShellPlacementError, match="arithmetic"):
        references('echo "@"', value)


@pytest.mark.parametrize("value", ["a[0]", "$HOME", "`x`", "p@ss$w[rd]", "]$x["])
def test_values_with_no_expansion_after_a_bracket_are_fine(value: str) -> None:
    assert references("echo @", value) == f'echo "{V}"'


def test_each_value_gets_its_own_variable() -> None:
    script, environment = with_references(
        f"echo {marker(0)} '{marker(1)}' \"{marker(2)}\"", ["a", "b c", "d"]
    )
    assert script == ('echo "${RUNBOOK_V1}" \'\'"${RUNBOOK_V2}"\'\' "${RUNBOOK_V3}"')
    assert environment == {"RUNBOOK_V1": "a", "RUNBOOK_V2": "b c", "RUNBOOK_V3": "d"}


def test_a_broken_marker_is_refused() -> None:
    with pytest.raises(ShellPlacementError, match="NUL"):
        with_references("echo \x00x\x01", ["a"])
    with pytest.raises(ShellPlacementError, match="control character"):
        with_references("echo \x01", [])


@pytest.mark.parametrize(
    "template",
    [
        "printf '%s|' @",
        "printf '%s|' \"@\"",
        "printf '%s|' '@'",
        "printf '%s|' $'@'",
        "printf '%s|' \"$(printf '%s' @)\"",
        "printf '%s|' \"${U:-@}\"",
    ],
)
def test_bash_reads_the_reference_as_the_value(template: str) -> None:
    value = "a  b*\n'\"$x`"
    script = references(template, value)
    done = subprocess.run(
        ["bash", "-c", script],
        env={"RUNBOOK_V1": value, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout == value + "|"
