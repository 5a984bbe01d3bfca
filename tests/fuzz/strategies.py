"""Hypothesis strategies for the harnesses' inputs: seeds mutated the way a fuzzer mutates
bytes, and, where a grammar helps, inputs built from it (Dockerfiles of real shell
commands, requirement lines, layer scripts), so that a few thousand inputs reach deep.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from fuzz.harnesses import BY_NAME

INTERESTING = (b"\x00", b"\xff", b"\x80", b"7", b"0", b" ", b"\n", b"/", b".", b"\\", b"=")


def _apply(seed: bytes, ops: Sequence[tuple[int, int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for op, where, length, extra in ops:
        at = where % (len(data) + 1)
        if op == 0 and data:  # overwrite bytes
            data[at : at + len(extra)] = extra
        elif op == 1:  # insert
            data[at:at] = extra
        elif op == 2:  # delete a run
            del data[at : at + length]
        elif op == 3:  # duplicate a run elsewhere
            piece = data[at : at + length]
            to = (where * 7919) % (len(data) + 1)
            data[to:to] = piece
        else:  # truncate
            del data[at:]
    return bytes(data)


def _ops(tokens: Sequence[bytes]) -> st.SearchStrategy[list[tuple[int, int, int, bytes]]]:
    extra = st.one_of(
        st.sampled_from(INTERESTING),
        st.binary(min_size=1, max_size=8),
        st.sampled_from(tokens) if tokens else st.just(b"x"),
    )
    op = st.tuples(
        st.sampled_from((0, 0, 1, 1, 2, 3, 4)),  # truncation the rarest
        st.integers(0, 1 << 20),
        st.integers(0, 600),
        extra,
    )
    return st.lists(op, min_size=1, max_size=6)


def mutated(seeds: Sequence[bytes], tokens: Sequence[bytes] = ()) -> st.SearchStrategy[bytes]:
    """A seed with a few byte-level mutations (overwrite, insert, delete, duplicate, cut)."""
    return st.builds(_apply, st.sampled_from(list(seeds)), _ops(tokens))


# --------------------------------------------------------------------------- grammars

_PACKAGES = ("torch", "numpy==1.26.4", "'fastapi[all]>=0.1'", "gcc", "build-essential", "x")
_SHELL = (
    "apt-get update",
    "apt-get install -y --no-install-recommends {p}",
    "apt-get -y upgrade",
    "rm -rf /var/lib/apt/lists/* /root/.cache",
    "apk add --no-cache --virtual .b {p}",
    "apk del .b",
    "pip install {p}",
    "pip3 install --no-cache-dir -r requirements.txt",
    "python -m pip install --upgrade pip",
    "pip install -e . --extra-index-url https://x/simple",
    "uv pip install --system {p}",
    "uv sync --frozen --no-dev",
    "poetry install --no-root --only main",
    "conda install -y {p} && conda clean -afy",
    "pipenv install --deploy --system",
    "pdm install --prod",
    "yum install -y {p} && yum clean all",
    "dnf -y install {p}",
    "zypper -n in {p}",
    "wget -q -O /models/m.bin https://huggingface.co/a/b/resolve/main/m.bin",
    "curl -fsSL https://x/y.tar.gz | tar xz -C /opt",
    "git clone --depth 1 https://huggingface.co/a/b /models/b",
    "huggingface-cli download a/b --local-dir /m",
    "python -c 'from transformers import AutoModel; AutoModel.from_pretrained(\"x\")'",
    "python download_model.py",
    'sudo -E env A=1 sh -c "pip install {p}"',
    "chown -R app:app /app",
    "cd /app",
    "useradd -m app",
    "echo $HOME ${{A:-b}} ${{C:+d}} > /x",
    "yarn install && yarn cache clean",
    "ollama pull llama3",
)
_SEPARATORS = (" && ", " ; ", " || ", " | ", " && \\\n    ", " &", "\n")
_INSTRUCTIONS = (
    "FROM {base}",
    "FROM {base} AS builder",
    "FROM builder",
    "ARG {var}={base}",
    "ARG {var}",
    "ENV {var}=1 PIP_NO_CACHE_DIR=1",
    "ENV PATH=/opt/venv/bin:$PATH",
    "WORKDIR /app",
    "COPY . .",
    "COPY --from=builder /opt/venv /opt/venv",
    "COPY requirements.txt /tmp/",
    "ADD https://x/model.safetensors /models/",
    "USER app",
    "EXPOSE 8000",
    "HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1",
    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]',
    "CMD python app.py",
    'ENTRYPOINT ["/entrypoint.sh"]',
    "VOLUME /data",
    "ONBUILD RUN x",
    'SHELL ["/bin/bash", "-c"]',
    "LABEL a=b",
    "# jettison: ignore=JT101,JT301",
    "BOGUS instruction",
)
_BASES = (
    "python:3.11",
    "python:3.11-slim",
    "nvidia/cuda:12.1.0-devel-ubuntu22.04",
    "pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
    "ubuntu:18.04",
    "${BASE}",
    "$IMG:${TAG:-latest}",
    "scratch",
    "alpine",
    "registry.example.com:5000/python:3.11@sha256:" + "0" * 64,
)
_RUN_FLAGS = (
    "",
    "--mount=type=cache,target=/root/.cache/pip ",
    "--network=host ",
    "--mount=type=secret,id=a ",
)


@st.composite
def _run(draw: st.DrawFn) -> str:
    commands = draw(st.lists(st.sampled_from(_SHELL), min_size=1, max_size=5))
    text = ""
    for i, command in enumerate(commands):
        if i:
            text += draw(st.sampled_from(_SEPARATORS))
        text += command.format(p=" ".join(draw(st.lists(st.sampled_from(_PACKAGES), max_size=3))))
    flag = draw(st.sampled_from(_RUN_FLAGS))
    if draw(st.integers(0, 9)) == 0:
        return f"RUN {flag}<<EOF\n{text}\nEOF"
    if draw(st.integers(0, 9)) == 0:
        return f'RUN ["sh", "-c", "{text}"]'
    return f"RUN {flag}{text}"


@st.composite
def _dockerfile_text(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 14))):
        if draw(st.booleans()):
            lines.append(draw(_run()))
        else:
            template = draw(st.sampled_from(_INSTRUCTIONS))
            lines.append(
                template.format(
                    base=draw(st.sampled_from(_BASES)),
                    var=draw(st.sampled_from(("BASE", "TAG", "A", "HOME"))),
                )
            )
    return "\n".join(lines) + "\n"


_REQUIREMENT_LINES = (
    "torch==2.3.1",
    "torch==2.3.1+cu121",
    "torchvision",
    "numpy>=1.26,<2",
    "opencv-python",
    "tensorflow==2.15",
    "pytest",
    "black==24.1.0",
    "fastapi[all]>=0.110 ; python_version >= '3.8'",
    "-r base.txt",
    "-r requirements.txt",
    "-c constraints.txt",
    "--extra-index-url https://download.pytorch.org/whl/cpu",
    "-e .",
    "git+https://github.com/a/b@main#egg=b",
    "./wheels/a-1.0-py3-none-any.whl",
    "https://x/pkg-1.0.tar.gz",
    "name @ file:///tmp/x",
    "pkg --hash=sha256:abc \\",
    "# comment",
    "",
)


@st.composite
def _requirements(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.sampled_from(_REQUIREMENT_LINES), min_size=1, max_size=12))
    return b"\x00" + "\n".join(lines).encode()


@st.composite
def _pyproject(draw: st.DrawFn) -> bytes:
    deps = draw(st.lists(st.sampled_from(_REQUIREMENT_LINES[:9]), max_size=5))
    poetry = draw(
        st.lists(
            st.sampled_from(
                (
                    'torch = "^2.3"',
                    'numpy = {version = "~1.26", optional = true}',
                    'x = {git = "https://g/x"}',
                    'python = "^3.11"',
                    'y = "*"',
                    'z = ">=1,<2 || 3.*"',
                )
            ),
            max_size=5,
        )
    )
    text = '[project]\nname = "a"\ndependencies = ' + repr(deps).replace("'", '"') + "\n"
    text += '[project.optional-dependencies]\ndev = ["pytest"]\n'
    text += "[tool.poetry.dependencies]\n" + "\n".join(poetry) + "\n"
    text += '[dependency-groups]\ndev = ["ruff", {include-group = "test"}]\ntest = ["pytest"]\n'
    return b"\x01" + text.encode()


@st.composite
def _layers_script(draw: st.DrawFn) -> bytes:
    names = st.sampled_from(
        (
            "a",
            "b",
            "usr",
            "usr/lib",
            "usr/lib/x.so",
            "..",
            ".",
            "a/b/c",
            ".wh.a",
            "lib",
            "root/.cache/pip",
            "var/lib/dpkg/status",
        )
    )
    lines = []
    for _ in range(draw(st.integers(1, 20))):
        op = draw(st.sampled_from("fdshwox-"))
        if op == "-":
            lines.append("---")
        else:
            lines.append(
                f"{op} {draw(names)} {draw(names) if op in 'sh' else draw(st.integers(0, 5000))}"
            )
    return "\n".join(lines).encode()


_JSON_ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        (
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "sha256:@@D2@@",
            "sha512:00",
            "../../etc/passwd",
            "blobs/sha256/@@D3@@",
            "",
        )
    ),
)
_JSON_VALUES = st.recursive(
    _JSON_ATOMS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(document: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            out += _nodes(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            out += _nodes(value, (*path, index))
    return out


def _replaced(document: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replaced(document[head], rest, value)}  # type: ignore[index]
    assert isinstance(document, list) and isinstance(head, int)
    return [*document[:head], _replaced(document[head], rest, value), *document[head + 1 :]]


@st.composite
def json_mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    """An image seed (a mode byte and a file set) with one value of one of its JSON
    documents (manifest, index, config) replaced by a value of any type: digests stay
    consistent through the placeholders, so the readers see the odd value itself."""
    import json

    from fuzz import fileset

    seed = draw(st.sampled_from([s for s in seeds if s[:1] != b"\x03"]))
    parts = fileset._parts(seed[1:])
    documents = [i for i, (_, content) in enumerate(parts) if content[:1] in (b"{", b"[")]
    if not documents:
        return seed
    chosen = draw(st.sampled_from(documents))
    name, content = parts[chosen]
    document = json.loads(content)
    path = draw(st.sampled_from(_nodes(document)))
    mutated = _replaced(document, path, draw(_JSON_VALUES))
    parts[chosen] = (name, json.dumps(mutated).encode())
    return seed[:1] + b"".join(fileset.SEPARATOR + n + b"\n" + c for n, c in parts)


def _tokens(name: str) -> tuple[bytes, ...]:
    if name in ("dockerfile", "lint", "fix"):
        return tuple(
            s.encode() for s in (*_SHELL, *_INSTRUCTIONS, "\\\n", "${A}", "'", '"', "<<EOF\n")
        )
    if name == "requirements":
        return tuple(s.encode() for s in _REQUIREMENT_LINES)
    if name == "dockerignore":
        return (b"**", b"*", b"!", b"[", b"]", b"\\", b"?", b"/", b"\n", b"../")
    if name == "tar":
        return (b"ustar\x00", b"ustar  \x00", b"\x80", b"././@LongLink", b"30 path=", b"x", b"g")
    return ()


def inputs(name: str) -> st.SearchStrategy[bytes]:
    """Every input strategy of harness ``name``."""
    harness = BY_NAME[name]
    seeds = harness.seeds()
    tokens = _tokens(name)
    choices: list[st.SearchStrategy[bytes]] = [mutated(seeds, tokens)]
    if name in ("dockerfile", "lint", "fix"):
        text = _dockerfile_text().map(str.encode)
        choices.append(text)
        choices.append(mutated([b"FROM python:3.11\nRUN pip install torch\n"], tokens))
        if name != "dockerfile":
            extra = st.tuples(text, _requirements()).map(lambda t: t[0] + b"\n#---\n" + t[1][1:])
            choices.append(extra)
    elif name == "requirements":
        choices += [_requirements(), _pyproject()]
    elif name == "filesystem":
        choices.append(_layers_script())
    elif name == "image":
        choices += [json_mutated(seeds), json_mutated(seeds)]  # twice the weight
    else:
        choices.append(st.binary(max_size=2048))
    return st.one_of(choices)
