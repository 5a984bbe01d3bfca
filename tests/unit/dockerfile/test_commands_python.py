"""pip (every way it is run), uv, poetry, pdm, pipenv and conda on a RUN line."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.python import (
    EnvInstall,
    PackageArg,
    PipOption,
    builds_environment,
    carried,
    conda_insecure,
    disables_cache,
    editable_dropped,
    env_install,
    handling,
    installs_from_lock,
    interpreter_installs,
    parse_install,
    parse_package,
    pip_argv,
    pip_installs,
    pip_options,
    pip_subcommand,
    prereleases,
    project_extras,
    resolves_lock,
    run_with_python,
    sets_pip_config,
    setup_py_install,
    trusted_hosts,
    vcs_ref,
    vcs_words,
    venv_dirs,
    without_cache,
)
from jettison.dockerfile.shell import split_commands
from support.commands import command, run


@pytest.mark.parametrize(
    ("line", "tool"),
    [
        ("pip install torch", "pip"),
        ("pip3 install torch", "pip"),
        ("pip3.11 install torch", "pip"),
        ("/opt/venv/bin/pip install torch", "pip"),
        ("python -m pip install torch", "pip"),
        ("python3 -m pip3.11 install torch", "pip"),
        ("python3.11 -m pip install torch", "pip"),
        ("/usr/local/bin/python3 -m pip install torch", "pip"),
        ("uv pip install torch", "uv pip"),
        ("sudo -H pip install torch", "pip"),
        ("env PIP_NO_CACHE_DIR=1 pip install torch", "pip"),
    ],
)
def test_every_way_pip_is_run(line: str, tool: str) -> None:
    found = pip_argv(command(line))
    assert found is not None
    assert found[0] == tool
    assert pip_subcommand(found[1]) == ("install", ("torch",))
    (install,) = pip_installs(run(line))
    assert install.tool == tool
    assert [p.name for p in install.packages] == ["torch"]


@pytest.mark.parametrize(
    "line", ["pipx install black", "python -m pipenv install", "uv sync", "python -m venv x"]
)
def test_not_pip(line: str) -> None:
    assert pip_argv(command(line)) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("install", "-r", "r.txt"), ("install", ("-r", "r.txt"))),
        (("--no-cache-dir", "--index-url", "https://x", "install", "a"), ("install", ("a",))),
        (("-q", "uninstall", "-y", "torch"), ("uninstall", ("-y", "torch"))),
        (("--version",), ("", ())),
    ],
)
def test_pip_subcommand_skips_global_options_and_their_values(
    args: tuple[str, ...], expected: tuple[str, tuple[str, ...]]
) -> None:
    assert pip_subcommand(args) == expected


def test_install_options_are_recorded() -> None:
    (install,) = pip_installs(
        run(
            "pip install -U -r req.txt -c c.txt --extra-index-url https://i/cpu "
            "--torch-backend=cpu -e .[dev,test] --group lint --prefix=/install"
        )
    )
    assert install.upgrade
    assert install.requirement_files == ("req.txt",)
    assert install.constraint_files == ("c.txt",)
    assert install.index_urls == ("https://i/cpu",)
    assert install.torch_backend == "cpu"
    assert install.local_projects == (".[dev,test]",)
    assert install.groups == ("lint",)
    assert install.destinations == ("/install",)
    assert install.editable
    assert project_extras(install.local_projects[0]) == ("dev", "test")


@pytest.mark.parametrize(
    ("line", "files", "packages"),
    [
        ("pip install -rrequirements.txt", ("requirements.txt",), []),
        ("pip install --requirement=r.txt", ("r.txt",), []),
        ("pip install --index-url https://x/simple torch", (), ["torch"]),
        ("pip install -i https://x/simple -f ./wheels torch", (), ["torch"]),
        ("pip install --no-binary :all: --only-binary torch numpy", (), ["numpy"]),
        ("pip install -r", (), []),
        ("pip install $EXTRA flask", (), ["flask"]),
        ("pip install 'flask==3.0' 'uvicorn[standard]'", (), ["flask", "uvicorn"]),
        ("pip install ./dist/app-1.0-py3-none-any.whl", (), ["app"]),
    ],
)
def test_values_never_read_as_packages(
    line: str, files: tuple[str, ...], packages: list[str]
) -> None:
    (install,) = pip_installs(run(line))
    assert install.requirement_files == files
    assert [p.name for p in install.packages] == packages


def test_options_keep_what_was_written() -> None:
    arguments = pip_options(
        ["-rreq.txt", "--index-url=https://x", "-i", "https://y", "-qq", "pkg", "-e", "./lib"]
    )
    assert arguments.options == (
        PipOption("-r", "req.txt", "-rreq.txt"),
        PipOption("--index-url", "https://x", "--index-url=https://x"),
        PipOption("-i", "https://y", "-i"),
        PipOption("-qq", None, "-qq"),
        PipOption("-e", "./lib", "-e"),
    )
    assert arguments.words == ("pkg",)
    assert arguments.targets == ("pkg", "./lib")
    (missing,) = pip_options(["--index-url"]).options
    assert missing.missing_value


@pytest.mark.parametrize("word", ["", "$X", "./x", "https://host/x.tar.gz", "not a req!"])
def test_unreadable_package_words(word: str) -> None:
    assert parse_package(word) is None


def test_wheel_file_names_are_packages() -> None:
    found = parse_package("/wheels/torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl")
    assert found is not None
    assert (found.name, found.specifier) == ("torch", "==2.1.0+cpu")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip install --no-cache-dir x", True),
        ("pip --no-cache-dir install x", True),
        ("python -m pip install --no-cache-dir=1 x", True),
        ("uv pip install --no-cache x", True),
        ("uv pip install -n x", True),
        ("uv pip install --no-cache-dir x", False),
        ("pip install x", False),
        ("apt-get install --no-cache-dir x", False),
    ],
)
def test_disables_cache(line: str, expected: bool) -> None:
    assert disables_cache(command(line)) is expected


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("pip install flask", "pip install --no-cache-dir flask"),
        ("pip install --no-cache-dir flask", "pip install --no-cache-dir flask"),
        ("uv pip install flask", "uv pip install --no-cache flask"),
        ("echo 'a b'", "echo 'a b'"),
    ],
)
def test_without_cache(line: str, written: str) -> None:
    assert without_cache(command(line)) == written


@pytest.mark.parametrize(
    ("option", "kind", "written"),
    [
        (PipOption("--no-cache-dir", None, "--no-cache-dir"), "drop", None),
        (PipOption("-vv", None, "-vv"), "drop", None),
        (PipOption("--prefix", "/x", "--prefix"), "drop", None),
        (PipOption("--pre", None, "--pre"), "carry", "--pre"),
        (
            PipOption("--extra-index-url", "https://x y", "--extra-index-url"),
            "carry",
            "--extra-index-url 'https://x y'",
        ),
        (PipOption("-f", "https://x", "-fhttps://x"), "carry", "-f https://x"),
        (PipOption("-r", "r.txt", "-r"), "read", None),
        (PipOption("-c", "c.txt", "-c"), "read", None),
        (PipOption("--platform", "linux", "--platform"), "unknown", None),
        (PipOption("--hash-me", None, "--hash-me"), "unknown", None),
        (PipOption("--extra-index-url", None, "--extra-index-url"), "carry", None),
    ],
)
def test_what_a_rewritten_install_keeps(option: PipOption, kind: str, written: str | None) -> None:
    assert handling(option) == kind
    assert carried(option) == written


@pytest.mark.parametrize(
    ("line", "tool", "groups", "dev", "reason"),
    [
        ("poetry install", "poetry", (), True, "poetry install without --only main"),
        ("poetry install --only main", "poetry", ("main",), False, None),
        (
            "poetry install --only=dev",
            "poetry",
            ("dev",),
            True,
            "poetry install --only <dev group>",
        ),
        (
            "poetry install --with docs",
            "poetry",
            ("docs",),
            True,
            "poetry install --with/--all-groups",
        ),
        ("poetry install --without dev,test", "poetry", (), False, None),
        ("poetry install --no-root --no-dev", "poetry", (), False, None),
        ("uv sync", "uv", (), True, "uv sync without --no-dev"),
        ("uv sync --frozen --no-dev", "uv", (), False, None),
        ("uv sync --group lint", "uv", ("lint",), True, "uv sync --group <dev group>"),
        ("uv sync --group prod", "uv", ("prod",), True, "uv sync without --no-dev"),
        ("pdm install --prod", "pdm", (), False, None),
        ("pdm sync -G ml", "pdm", ("ml",), True, "pdm sync without --prod"),
        ("pipenv install --deploy", "pipenv", (), False, None),
        ("pipenv install --dev", "pipenv", (), True, "pipenv install --dev"),
        ("pip install -e .[dev]", "pip", ("dev",), True, "pip install takes the project's dev"),
        (
            "uv pip install --system -r pyproject.toml --extra test",
            "uv pip",
            ("test",),
            True,
            "uv pip install takes the project's test",
        ),
        ("pip install .[server]", "pip", ("server",), None, None),
    ],
)
def test_env_install_says_whether_dev_dependencies_come_along(
    line: str, tool: str, groups: tuple[str, ...], dev: bool | None, reason: str | None
) -> None:
    found = env_install(command(line))
    assert found is not None
    assert (found.tool, found.groups, found.dev, found.dev_reason) == (tool, groups, dev, reason)


def test_uv_no_dev_in_the_environment() -> None:
    found = env_install(command("uv sync"), {"UV_NO_DEV": "1"})
    assert found is not None and found.dev is False
    found = env_install(command("uv sync"), {"UV_NO_DEV": "false"})
    assert found is not None and found.dev is True


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "conda install -y -c pytorch -n base pytorch cpuonly",
            EnvInstall(
                "conda",
                "install",
                packages=("pytorch", "cpuonly"),
                environment="base",
                channels=("pytorch",),
            ),
        ),
        (
            "mamba env create -f environment.yml -p /opt/env",
            EnvInstall("mamba", "env create", files=("environment.yml",), environment="/opt/env"),
        ),
        (
            "micromamba create -y -n app -f env.yaml python=3.11",
            EnvInstall(
                "micromamba",
                "create",
                files=("env.yaml",),
                packages=("python=3.11",),
                environment="app",
            ),
        ),
        (
            "pip install -r requirements.txt .",
            EnvInstall("pip", "install", files=("requirements.txt",), projects=(".",)),
        ),
    ],
)
def test_env_install_sources(line: str, expected: EnvInstall) -> None:
    assert env_install(command(line)) == expected


@pytest.mark.parametrize(
    "line", ["conda clean -afy", "poetry lock", "pdm add x", "uv lock", "pip download x", "ls"]
)
def test_env_install_ignores_other_verbs(line: str) -> None:
    assert env_install(command(line)) is None


@pytest.mark.parametrize(
    ("line", "dirs"),
    [
        ("python -m venv /opt/venv", ["/opt/venv"]),
        ("python3.11 -m venv --system-site-packages --prompt app /opt/venv", ["/opt/venv"]),
        ("virtualenv -p python3 env", ["env"]),
        ("uv venv /opt/venv", ["/opt/venv"]),
        ("uv venv", [".venv"]),
        ("python -m pip install venv", []),
    ],
)
def test_venv_dirs(line: str, dirs: list[str]) -> None:
    assert venv_dirs(command(line)) == dirs


def test_parse_install_needs_an_install() -> None:
    assert parse_install(run("pip list"), command("pip list")) is None
    assert split_commands("pip install a && pip install b")
    assert [i.packages[0].name for i in pip_installs(run("pip install a && pip install b"))] == [
        "a",
        "b",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip config set global.index-url https://download.pytorch.org/whl/cpu", True),
        ("pip3 config --global set global.extra-index-url https://x", True),
        ("python -m pip config --user set global.index-url https://x", True),
        ("pip config list", False),
        ("git config --global user.name x", False),
    ],
)
def test_pip_config(line: str, expected: bool) -> None:
    assert sets_pip_config(command(line)) is expected


@pytest.mark.parametrize(
    ("line", "installs"),
    [
        ("python setup.py install", True),
        ("python3 ./setup.py develop", True),
        ("python setup.py build", False),
        ("python setup.py build_ext --inplace", False),
        ("python -m pip install .", False),
        ("pip install setup.py", False),
    ],
)
def test_setup_py_install(line: str, installs: bool) -> None:
    assert setup_py_install(command(line)) is installs


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("uv python install 3.9 3.10.4 cpython-3.8.19-linux", ["3.9", "3.10", "3.8"]),
        ("uv venv -p 3.9 .venv", ["3.9"]),
        ("uv sync --python=3.8 --frozen", ["3.8"]),
        ("pyenv install -s 3.7.17", ["3.7"]),
        ("asdf install python 3.8.10", ["3.8"]),
        ("wget https://www.python.org/ftp/python/3.6.15/Python-3.6.15.tgz", ["3.6"]),
        ("uv pip install --python 3.9 requests", []),
        ("pyenv global 3.8.10", []),
    ],
)
def test_interpreter_installs(line: str, expected: list[str]) -> None:
    (command,) = split_commands(line)
    assert [v for v, _ in interpreter_installs(command)] == expected


@pytest.mark.parametrize(
    ("line", "hosts"),
    [
        ("pip install --trusted-host a.org --trusted-host=b.org x", ["a.org", "b.org"]),
        ("pip config set global.trusted-host a.org", ["a.org"]),
        ("pip install x", []),
    ],
)
def test_trusted_hosts(line: str, hosts: list[str]) -> None:
    (found,) = split_commands(line)
    assert trusted_hosts(found) == hosts


def test_conda_insecure() -> None:
    (one, two, three) = split_commands(
        "conda install --insecure x; conda config --set ssl_verify false; conda install x"
    )
    assert conda_insecure(one) and conda_insecure(two) and conda_insecure(three) is None


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("git+https://github.com/o/r.git", ""),
        ("git+https://github.com/o/r.git@v1.2#egg=r", "v1.2"),
        ("r[x] @ git+ssh://git@github.com/o/r.git@abc1234", "abc1234"),
        ("r==1.0", None),
    ],
)
def test_vcs_ref(text: str, ref: str | None) -> None:
    assert vcs_ref(text) == ref


def test_vcs_words_and_prereleases() -> None:
    (found,) = split_commands("pip install --pre 'r @ git+https://x/o/r' flask")
    assert vcs_words(found) == ["r @ git+https://x/o/r"]
    assert prereleases(found)
    (uv,) = split_commands("uv pip install --prerelease allow x")
    assert prereleases(uv)


@pytest.mark.parametrize(
    ("line", "resolved", "lock"),
    [
        ("poetry lock --no-update", "poetry lock", None),
        ("poetry lock --check", None, None),
        ("uv lock --locked", None, None),
        ("pip-compile requirements.in", "pip-compile", None),
        ("poetry install --only main", None, "poetry.lock"),
        ("poetry install --only-root", None, None),
        ("uv sync --no-dev", None, "uv.lock"),
        ("uv sync --frozen", None, None),
        ("pdm install --prod", None, "pdm.lock"),
        ("pipenv install --deploy", None, None),
        ("pipenv install", None, "Pipfile.lock"),
    ],
)
def test_locks(line: str, resolved: str | None, lock: str | None) -> None:
    (found,) = split_commands(line)
    assert resolves_lock(found) == resolved
    assert installs_from_lock(found) == lock


def test_a_version_from_a_build_argument_keeps_the_name() -> None:
    assert parse_package("lama-cleaner==$VERSION") == PackageArg(
        "lama-cleaner", "==$VERSION", (), "lama-cleaner==$VERSION"
    )
    assert parse_package("Tool[a,b]>=${V}") == PackageArg(
        "tool", ">=${V}", ("a", "b"), "Tool[a,b]>=${V}"
    )
    assert parse_package("tool==") == PackageArg("tool", "==", (), "tool==")  # ARG expanded empty
    assert parse_package("$PACKAGE") is None
    assert parse_package("${NAME}==1.0") is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip install flask", True),
        ("uv pip install --system .", True),
        ("pip freeze", False),
        ("uv --no-cache sync --frozen", True),  # the verb read past uv's own options
        ("uv --version", False),
        ("poetry --no-interaction config virtualenvs.create false", True),
        ("poetry -C /srv/api install --only main", True),
        ("poetry show --tree", False),
        ("pdm use -f python3.11", True),
        ("pipenv --python 3.11", True),
        ("pipenv graph", False),
        ("micromamba clean --all --yes", True),
        ("conda -n env list", False),
        ("conda --version", False),
        ("python -m venv /opt/venv", True),
        ("virtualenv --python python3 /v", True),
        ("python setup.py build_ext --inplace", True),
        ("python manage.py collectstatic", False),
    ],
)
def test_builds_environment(line: str, expected: bool) -> None:
    assert builds_environment(command(line)) is expected


@pytest.mark.parametrize(
    ("script", "edited"),
    [
        ("RUN pip install poetry", "RUN /usr/local/bin/python -m pip install poetry"),
        (
            "RUN python3.11 -m pip install --no-cache-dir \\\n    poetry && poetry install",
            "RUN /usr/local/bin/python -m pip install --no-cache-dir \\\n    poetry && "
            "poetry install",
        ),
        (
            "RUN sudo pip3 --no-cache-dir install poetry",
            "RUN sudo /usr/local/bin/python -m pip --no-cache-dir install poetry",
        ),
        (
            "RUN sh -c 'pip install poetry'",
            "RUN sh -c '/usr/local/bin/python -m pip install poetry'",
        ),
        (  # escapes in a double-quoted body: the words are placed where they are written
            'RUN bash -c "echo \\$HOME && pip install \\"poetry>=1\\""',
            'RUN bash -c "echo \\$HOME && /usr/local/bin/python -m pip install \\"poetry>=1\\""',
        ),
    ],
)
def test_run_with_python(script: str, edited: str) -> None:
    commands = [c for c in split_commands(script.removeprefix("RUN ")) if pip_argv(c)]
    assert run_with_python(script, commands[0], "/usr/local/bin/python") == edited


@pytest.mark.parametrize(
    "script",
    [
        "RUN /opt/venv/bin/pip install poetry",  # a pip named by its path: that interpreter's
        "RUN /usr/bin/python3 -m pip install poetry",
        "RUN uv pip install poetry",  # another tool
        "RUN pip uninstall -y poetry",
        'RUN ["pip", "install", "poetry"]',  # exec form: no word is pip's alone
    ],
)
def test_run_with_python_leaves_other_pips(script: str) -> None:
    (found,) = split_commands(" ".join(script.split()[1:]).strip('[]"'))
    assert run_with_python(script, found, "/usr/local/bin/python") is None


def test_run_with_python_edits_the_command_it_is_given() -> None:
    script = "RUN pip install -U pip && pip install poetry"
    second = split_commands(script.removeprefix("RUN "))[1]
    edited = run_with_python(script, second, "/usr/local/bin/python")
    assert edited == "RUN pip install -U pip && /usr/local/bin/python -m pip install poetry"


@pytest.mark.parametrize(
    ("script", "project", "edited"),
    [
        ("RUN pip install -e .", ".", "RUN pip install ."),
        (
            "RUN pip install --no-cache-dir -e   .[server] x",
            ".[server]",
            "RUN pip install --no-cache-dir .[server] x",
        ),
        ('RUN pip install --editable "./lib[a]"', "./lib[a]", 'RUN pip install "./lib[a]"'),
        ("RUN pip install --editable=./lib", "./lib", "RUN pip install ./lib"),
        ("RUN pip install -e./lib", "./lib", "RUN pip install ./lib"),
        ("RUN pip install -e \\\n    .", ".", "RUN pip install \\\n    ."),
        ("RUN uv pip install -e . && echo -e .", ".", "RUN uv pip install . && echo -e ."),
        ("RUN sh -c 'pip install -e .'", ".", "RUN sh -c 'pip install .'"),
        (  # a redirection's ``&`` is no operator: the command is still found
            "RUN pip install -e . >/dev/null 2>&1",
            ".",
            "RUN pip install . >/dev/null 2>&1",
        ),
        (
            'RUN sh -c "pip install \\"x>=1\\" -e /src"',
            "/src",
            'RUN sh -c "pip install \\"x>=1\\" /src"',
        ),
    ],
)
def test_editable_dropped(script: str, project: str, edited: str) -> None:
    found = split_commands(script.removeprefix("RUN "))[0]
    assert editable_dropped(script, found, project) == edited


@pytest.mark.parametrize(
    ("script", "project"),
    [
        ("RUN pip install -e ./lib .", "."),  # `.` is not the editable one
        ("RUN pip install -e ./lib", "./other"),
        ("RUN echo -e .", "."),  # no pip install
    ],
)
def test_editable_dropped_only_for_an_editable_install_of_the_project(
    script: str, project: str
) -> None:
    found = split_commands(script.removeprefix("RUN "))[0]
    assert editable_dropped(script, found, project) is None


def test_editables_in_order() -> None:
    line = "pip install -e ./a x --editable=./b -e"
    install = parse_install(run(line), command(line))
    assert install is not None and install.editables == ("./a", "./b")
