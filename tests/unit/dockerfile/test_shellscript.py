"""Start scripts read command by command: lines, exec, background, conditions, "$@", eval."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shellscript import final_command, script_commands, traps_signals
from jettison.dockerfile.shellwords import KEYWORDS


def argvs(text: str, *args: str) -> list[tuple[str, ...]]:
    return [c.command.argv for c in script_commands(text, args)]


def test_lines_exec_and_background() -> None:
    text = "#!/bin/sh\nset -e\npython migrate.py\nredis-server &\nexec gunicorn app:app\n"
    found = script_commands(text)
    assert [(c.line, c.command.name, c.execs, c.background) for c in found] == [
        (2, "set", False, False),
        (3, "python", False, False),
        (4, "redis-server", False, True),
        (5, "gunicorn", True, False),
    ]


def test_redirections_are_not_background_jobs() -> None:
    text = 'echo "missing" >&2\nserver --port 1 2>&1 >/dev/null\n'
    found = script_commands(text)
    assert [c.background for c in found] == [False, False]
    assert found[1].command.argv == ("server", "--port", "1")


def test_continuations_and_heredocs() -> None:
    text = (
        "cat <<EOF > conf\nnot a command\nEOF\nmlflow server \\\n  --host 0.0.0.0 \\\n  --port 80\n"
    )
    found = script_commands(text)
    assert [c.command.argv for c in found] == [
        ("cat",),
        ("mlflow", "server", "--host", "0.0.0.0", "--port", "80"),
    ]
    assert found[-1].line == 4


def test_positional_arguments_and_set() -> None:
    assert argvs('exec "$@"', "uvicorn", "app:app") == [("uvicorn", "app:app")]
    text = 'APP="$1"\nshift\nset -- uvicorn "$APP" --port 80 "$@"\nexec "$@"\n'
    assert argvs(text, "main:app", "--reload")[-1] == (
        "uvicorn",
        "$APP",
        "--port",
        "80",
        "--reload",
    )


def test_arguments_through_a_variable_and_an_echo_substitution() -> None:
    text = 'args="$@"\nexec uvicorn app:app $(eval echo "$args")\n'
    [found] = script_commands(text, ["--workers 2 --reload"])
    assert found.execs and found.command.argv == (
        "uvicorn",
        "app:app",
        "--workers",
        "2",
        "--reload",
    )


def test_other_substitutions_stay_one_word() -> None:
    [found] = script_commands('server --threads $(nproc) --dir "$(pwd)/data"\n')
    assert found.command.argv == ("server", "--threads", "$(nproc)", "--dir", "$(pwd)/data")


def test_eval_of_a_built_command() -> None:
    text = 'CMD="llm-server --model $MODEL"\nCMD="$CMD --port 80"\neval $CMD\n'
    [found] = script_commands(text)
    assert found.evaluated and not found.execs
    assert found.command.argv == ("llm-server", "--model", "$MODEL")


def test_conditions_and_functions() -> None:
    text = (
        "setup() {\n  pip install extra\n}\n"
        'if [ -n "$KEY" ]; then\n  apt-get install -y ssh\nfi\n'
        '[ -z "$X" ] && echo unset\n'
        "serve\n"
    )
    found = {c.command.name: c for c in script_commands(text)}
    assert found["pip"].in_function and not found["pip"].conditional
    assert found["apt-get"].conditional and not found["apt-get"].in_function
    assert found["echo"].conditional
    assert not found["serve"].conditional and not found["serve"].in_function


def test_final_command_skips_bookkeeping() -> None:
    text = "server &\npid=$!\nwait $pid\necho done\nexit $?\n"
    last = final_command(script_commands(text))
    assert last is not None and last.command.name == "server" and last.background
    text = 'if [ "$1" = dev ]; then\n  exec app --reload\nelse\n  exec app\nfi\n'
    last = final_command(script_commands(text))
    assert last is not None and last.execs and last.command.argv == ("app",)


def test_an_exec_of_no_arguments_is_still_the_last_command() -> None:
    last = final_command(script_commands('echo start\nexec "$@"\n'))
    assert last is not None and last.execs


def test_traps() -> None:
    assert traps_signals("trap 'kill $PID' TERM INT\nserver & PID=$!\nwait\n")
    assert traps_signals("trap cleanup SIGTERM\n")
    assert not traps_signals("# no trap here\nserver\n")


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_a_reserved_word_is_never_a_program(keyword: str) -> None:
    assert argvs(f"{keyword} python app.py") == [("python", "app.py")]


def test_a_brace_group_runs_its_commands_a_case_may_not() -> None:
    text = "{ python a.py; }\ncase $MODE in\n  serve) python b.py ;;\nesac\npython c.py\n"
    found = {c.command.argv[-1]: c.conditional for c in script_commands(text)}
    scripts = {name: conditional for name, conditional in found.items() if name.endswith(".py")}
    assert scripts == {"a.py": False, "b.py": True, "c.py": False}


@pytest.mark.parametrize(
    "text",
    [
        "setup() {\n  pip install extra\n}\nserve\n",
        "setup () {\n  pip install extra\n}\nserve\n",
        "function setup {\n  pip install extra\n}\nserve\n",
        "setup() { pip install extra; }\nserve\n",
        "setup() {\n  { pip install extra; }\n}\nserve\n",
    ],
)
def test_a_function_definition_runs_nothing_its_body_runs_in_it(text: str) -> None:
    found = [(c.command.name, c.in_function) for c in script_commands(text)]
    assert found == [("pip", True), ("serve", False)]


def test_redirections_are_not_words() -> None:
    text = 'echo "a > b" >&2\ncat <<EOF > /etc/conf\nx\nEOF\nserver 2>&1 --port 80 >>log\n'
    assert argvs(text) == [("echo", "a > b"), ("cat",), ("server", "--port", "80")]


def test_a_backquoted_substitution_is_one_word() -> None:
    assert argvs("server --threads `nproc` --name x`hostname`\n") == [
        ("server", "--threads", "$(nproc)", "--name", "x`hostname`")
    ]
