"""What a RUN fetches from the network: files (``wget``, ``curl``), repositories (``git
clone``, ``git lfs pull``) and models (``huggingface-cli download``/``hf download``,
``ollama pull``, ``python -c "...from_pretrained(...)"``, ``python -m spacy download``).

Paths are returned as the command writes them (relative to its working directory, or
absolute); callers resolve them. lint's JT404-JT406 follow the files a RUN creates, JT502
and JT503 the model downloads.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jettison.dockerfile.commands.options import getopt, last_value, option_values, positionals
from jettison.dockerfile.commands.python import run_in_env
from jettison.dockerfile.shell import Command
from jettison.facts.weights import LARGE_DATA_PACKS, NAME_SUFFIXES, SMALL_MODEL_PACKAGE

URL = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)
WEIGHT_URL = re.compile(
    r"https?://\S+?(?:\.(?:safetensors|bin|pt|pth|ckpt|onnx|gguf|ggml|h5|keras|tflite)"
    r"|/resolve/[^\s?]+)(?:\?\S*)?$",
    re.IGNORECASE,
)
"""A URL of a weights file (by its suffix), or of a file in a Hugging Face repository."""

WGET_SHORT_VALUED = frozenset("OPoaetTUwiDlQAR")
"""Short wget options that take a value (``-O FILE``, ``-P DIR``...)."""
WGET_LONG_VALUED = frozenset(
    {"--output-document", "--directory-prefix", "--output-file", "--append-output",
     "--execute", "--tries", "--timeout", "--user-agent", "--header", "--user", "--password",
     "--wait", "--input-file", "--ca-certificate", "--certificate", "--post-data"}
)  # fmt: skip
CURL_SHORT_VALUED = frozenset("oHdueAxXmbcTwFrEKQYyzCD")
"""Short curl options that take a value (``-o FILE``, ``-H HEADER``...)."""
CURL_LONG_VALUED = frozenset(
    {"--output", "--header", "--data", "--user", "--proxy", "--request", "--max-time",
     "--cookie", "--cookie-jar", "--upload-file", "--write-out", "--form", "--range",
     "--cert", "--cacert", "--connect-timeout", "--retry", "--retry-delay", "--retry-max-time",
     "--output-dir", "--user-agent", "--referer", "--data-binary", "--data-raw", "--config",
     "--create-file-mode", "--dump-header", "--limit-rate", "--resolve"}
)  # fmt: skip
GIT_CLONE_VALUED = frozenset(
    {"-b", "--branch", "--depth", "-o", "--origin", "-c", "--config", "--reference",
     "--separate-git-dir", "-j", "--jobs", "--filter", "--template", "-u", "--upload-pack",
     "--shallow-since", "--shallow-exclude"}
)  # fmt: skip


def _weight_name(path: str) -> bool:
    """A download target named like a weights file (``-o /models/model.safetensors``)."""
    return posixpath.splitext(path)[1].lower() in NAME_SUFFIXES


def url_name(url: str) -> str:
    """The file name a URL ends in (query, fragment and trailing ``/`` left out)."""
    return posixpath.basename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/"))


@dataclass(frozen=True, slots=True)
class Fetch:
    """One URL a ``wget``/``curl`` downloads."""

    tool: str
    url: str
    path: str | None
    """Where the body is written, as the command names it; None when it goes to stdout."""


def fetches(command: Command) -> list[Fetch]:
    """The URLs ``wget`` or ``curl`` downloads, in order, each with where it lands."""
    if command.name == "wget":
        return _wget(command)
    if command.name == "curl":
        return _curl(command)
    return []


def _wget(command: Command) -> list[Fetch]:
    options, words = getopt(command.args, WGET_SHORT_VALUED, WGET_LONG_VALUED)
    urls = [w for w in words if URL.match(w)]
    output = last_value(options, "-O", "--output-document")
    if output is not None:  # every URL into one file (or stdout)
        return [Fetch("wget", u, None if output == "-" else output) for u in urls]
    prefix = last_value(options, "-P", "--directory-prefix")
    return [
        Fetch("wget", u, (posixpath.join(prefix, url_name(u)) if prefix else url_name(u)) or None)
        for u in urls
    ]


def _curl(command: Command) -> list[Fetch]:
    options, words = getopt(command.args, CURL_SHORT_VALUED, CURL_LONG_VALUED)
    urls = [w for w in words if URL.match(w)]
    out_dir = last_value(options, "--output-dir")
    outputs = [v for name, v in options if name in ("-o", "--output")]
    remote = any(n in ("-O", "--remote-name", "--remote-name-all") for n, _ in options)

    def place(name: str) -> str | None:
        if not name or name == "-":
            return None
        return posixpath.join(out_dir, name) if out_dir else name

    out: list[Fetch] = []
    for index, url in enumerate(urls):
        if index < len(outputs):  # each -o names the file of the URL in its place
            out.append(Fetch("curl", url, place(outputs[index])))
        else:
            out.append(Fetch("curl", url, place(url_name(url)) if remote else None))
    return out


@dataclass(frozen=True, slots=True)
class Clone:
    """A ``git clone``: the repository and the folder it fills."""

    url: str
    path: str


def git_clone(command: Command) -> Clone | None:
    if command.name != "git":
        return None
    words = positionals(command, GIT_CLONE_VALUED)
    if words[:1] != ["clone"] or len(words) < 2:
        return None
    url = words[1]
    return Clone(url, words[2] if len(words) > 2 else url_name(url).removesuffix(".git"))


# -- model downloads ---------------------------------------------------------------------------

PY_DOWNLOAD = re.compile(
    r"\b(from_pretrained|snapshot_download|hf_hub_download|SentenceTransformer|"
    r"load_state_dict_from_url|torch\.hub\.load|whisper\.load_model|spacy\.cli\.download|"
    r"nltk\.download|pipeline)\s*\("
)
"""Python calls that download a model into a cache."""
_PYTHON = re.compile(r"^python\d*(?:\.\d+)*$")
_SCRIPT_NAME = re.compile(
    r"(?:download|fetch|prefetch|cache|pull).*(?:model|weight|checkpoint)|"
    r"(?:model|weight|checkpoint).*(?:download|fetch|prefetch|cache|pull)",
    re.IGNORECASE,
)
_SCRIPT_NAME_WEAK = re.compile(
    r"^(?:download|fetch|prefetch|preload|warm_?up|init_?downloads?)(?:[_-]\w+)?\.py$",
    re.IGNORECASE,
)
"""A script named only for fetching (``download.py``, ``prefetch.py``): in an ML image it
usually fetches models, but the name alone does not say what."""
OLLAMA_MODELS = "/root/.ollama"


@dataclass(frozen=True, slots=True)
class ModelDownload:
    """What one command downloads of models."""

    what: tuple[str, ...]
    """Human-readable: ``from_pretrained()``, ``huggingface-cli download``, ``wget model.onnx``."""
    uses_cache: bool
    """It lands in the Hugging Face/torch cache (rather than an explicit path)."""
    targets: tuple[str, ...] = ()
    """Explicit destinations (``--local-dir``, ``-O``), as the command names them (``.`` for
    its working directory)."""
    small: bool = False
    """Small language data (NLTK tokenizers, a spaCy ``_sm`` model), not weights."""
    guessed: bool = False
    """Judged by a script's name alone (``download.py``, not in the build context)."""


def python_calls(code: str) -> list[str]:
    """The model-downloading calls in Python source, once each: ``from_pretrained()``."""
    return [f"{f}()" for f in dict.fromkeys(PY_DOWNLOAD.findall(code))]


def model_download(
    command: Command, read_script: Callable[[str], str | None] = lambda _: None
) -> ModelDownload | None:
    """The models ``command`` downloads, None when it downloads none. ``read_script`` gives
    the text of a script ``python SCRIPT.py`` runs (None when it cannot be read: a script
    named like ``download_model.py`` then counts by its name)."""
    command = run_in_env(command)  # poetry run / uv run / conda run -n env
    name = command.name
    words = command.words()
    if name == "spacy" and words[:1] == ["download"]:
        return ModelDownload(("spacy download",), False, small=_small_spacy(words[1:]))
    if name == "docling-tools" and words[:2] == ["models", "download"]:
        return ModelDownload(("docling-tools models download",), False)
    if name == "modelscope" and words[:1] == ["download"]:
        target = next(iter(option_values(command.argv, "--local_dir", "--cache_dir")), None)
        return ModelDownload(("modelscope download",), False, (target,) if target else ())
    if name in {"huggingface-cli", "hf"} and words[:1] == ["download"]:
        target = next(iter(option_values(command.argv, "--local-dir", "--cache-dir")), None)
        return ModelDownload((f"{name} download",), not target, (target,) if target else ())
    if name == "git" and words[:2] == ["lfs", "pull"]:
        return ModelDownload(("git lfs pull",), False, (".",))
    clone = git_clone(command)
    if clone is not None and "huggingface.co" in clone.url:
        return ModelDownload(("git clone of a Hugging Face repository",), False, (clone.path,))
    if name == "ollama" and words[:1] == ["pull"]:
        return ModelDownload(("ollama pull",), False, (OLLAMA_MODELS,))
    weights = [
        f
        for f in fetches(command)
        if WEIGHT_URL.search(f.url) or (f.path is not None and _weight_name(f.path))
    ]
    if weights:
        files = ", ".join(
            url_name(f.url)
            if WEIGHT_URL.search(f.url) or f.path is None
            else posixpath.basename(f.path)
            for f in weights
        )
        targets = tuple(f.path or url_name(f.url) for f in weights)
        return ModelDownload((f"{name} {files}",), False, targets)
    if _PYTHON.match(name):
        return _python(command, read_script)
    return None


def _small_spacy(words: Sequence[str]) -> bool:
    """Whether ``spacy download NAME...`` fetches small models only (``en_core_web_sm``)."""
    names = [w for w in words if not w.startswith("-")]
    return bool(names) and all(SMALL_MODEL_PACKAGE.search(n) for n in names[:1])


def _python(command: Command, read_script: Callable[[str], str | None]) -> ModelDownload | None:
    argv = command.argv
    module = argv[argv.index("-m") + 1 :] if "-m" in argv else ()
    if list(module[:2]) == ["spacy", "download"]:
        return ModelDownload(("python -m spacy download",), False, small=_small_spacy(module[2:]))
    if module[:1] == ("nltk.downloader",):
        packs = [w for w in module[1:] if not w.startswith("-")]
        small = not set(packs) & LARGE_DATA_PACKS
        return ModelDownload(("python -m nltk.downloader",), False, small=small)
    if list(module[:2]) == ["unidic", "download"]:
        return ModelDownload(("python -m unidic download",), False)
    if "-c" in argv and argv.index("-c") + 1 < len(argv):
        calls = python_calls(argv[argv.index("-c") + 1])
        return ModelDownload(tuple(calls), True) if calls else None
    script = next((w for w in command.words() if w.endswith(".py")), None)
    if script is None:
        return None
    text = read_script(script)
    calls = python_calls(text) if text else []
    if calls:
        return ModelDownload((f"{script} ({', '.join(calls)})",), True)
    if text is None and _SCRIPT_NAME.search(posixpath.basename(script)):
        return ModelDownload((f"{script} (by its name)",), True)
    if text is None and _SCRIPT_NAME_WEAK.match(posixpath.basename(script)):
        return ModelDownload((f"{script} (by its name)",), True, guessed=True)
    return None


# -- what a fetch pins ---------------------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_VERSIONED = re.compile(r"\d+\.\d+|^v?\d+$|\d{8}")
_FLOATING_URL = re.compile(r"(?:^|[/_.-])(?:latest|nightly|master|main|head)(?:[/_.-]|$)", re.I)
_GIT_CHECKOUT = frozenset({"checkout", "switch", "reset"})


def clone_branch(command: Command) -> str | None:
    """The ``-b``/``--branch`` a ``git clone`` checks out; None for the default branch (and
    for any other command)."""
    if git_clone(command) is None:
        return None
    values = option_values(command.args, "-b", "--branch")
    return values[-1] if values else None


def git_checkout(command: Command) -> str | None:
    """The ref ``git checkout REF``, ``git switch REF`` or ``git reset --hard REF`` moves to
    (``git -C DIR ...`` too); None for any other command."""
    if command.name != "git":
        return None
    words = positionals(command, frozenset({"-C", "-c", "-b", "-B"}))
    if not words or words[0] not in _GIT_CHECKOUT:
        return None
    refs = [w for w in words[1:] if w != "--"]
    return refs[0] if refs else None


def git_pulls(command: Command) -> bool:
    """``git pull``: whatever the remote branch holds now."""
    return command.name == "git" and positionals(command, frozenset({"-C", "-c"}))[:1] == ["pull"]


def pinned_ref(ref: str) -> bool:
    """A commit (7-40 hex digits) or a version tag (``v2.3.3``, ``1.4``, ``release-2024.05``),
    not a branch name (``main``, ``dev``, ``stable``)."""
    ref = ref.strip("\"'")
    return bool(_SHA.match(ref) or _VERSIONED.search(ref))


def floating_url(url: str) -> bool:
    """A URL naming a moving target: ``.../latest/...``, ``Miniconda3-latest-Linux``,
    ``/nightly/``, a ``master``/``main`` archive."""
    path = url.split("://", 1)[-1].split("?", 1)[0]
    return bool(_FLOATING_URL.search(path.split("/", 1)[-1] if "/" in path else ""))


def versioned_url(url: str) -> bool:
    """A URL that names a version (``/uv/0.4.18/install.sh``, ``Python-3.12.4.tgz``)."""
    return bool(re.search(r"\d+\.\d+", url.split("://", 1)[-1].split("/", 1)[-1]))


_PACKAGE_TOOLS = frozenset({"npm", "npx", "pnpm", "yarn", "bun", "go", "cargo", "gem"})


def latest_packages(command: Command) -> list[str]:
    """Packages a JavaScript/Go tool installs at ``@latest`` (``npm install -g pkg@latest``,
    ``go install example.org/cmd@latest``)."""
    if command.name not in _PACKAGE_TOOLS:
        return []
    return [a for a in command.args if a.endswith("@latest") and not a.startswith("-")]


# -- transport security --------------------------------------------------------------------------

INSECURE_ENV = {
    "PIP_TRUSTED_HOST": "pip trusts the host without TLS verification",
    "GIT_SSL_NO_VERIFY": "git skips TLS verification",
    "PYTHONHTTPSVERIFY": "Python skips HTTPS certificate checks",
    "NODE_TLS_REJECT_UNAUTHORIZED": "Node.js accepts any TLS certificate",
    "CONDA_SSL_VERIFY": "conda skips TLS verification",
}
"""Environment variables that turn verification off (when set to a disabling value)."""
_DISABLING = frozenset({"0", "false", "no", "off"})


def insecure_env(name: str, value: str) -> str | None:
    """What an ``ENV``/``ARG`` setting turns off, None when it turns nothing off."""
    what = INSECURE_ENV.get(name)
    if what is None or not value.strip():
        return None
    text = value.strip().lower()
    if name == "PIP_TRUSTED_HOST":
        return what
    if name == "GIT_SSL_NO_VERIFY":
        return what if text not in _DISABLING else None
    return what if text in _DISABLING else None


def insecure_transfer(command: Command) -> str | None:
    """What a download turns off: ``curl -k``/``--insecure``, ``wget
    --no-check-certificate``, ``git -c http.sslVerify=false``, ``git config http.sslVerify
    false``; None when it verifies."""
    if command.name == "curl":
        options, _ = getopt(command.args, CURL_SHORT_VALUED, CURL_LONG_VALUED)
        if any(name in {"-k", "--insecure"} for name, _ in options):
            return "curl -k (--insecure) accepts any TLS certificate"
    if command.name == "wget" and command.has("--no-check-certificate"):
        return "wget --no-check-certificate accepts any TLS certificate"
    if command.name == "git":
        settings = [a.lower().replace(" ", "") for a in command.args]
        if any(a.startswith("http.sslverify=") and a.endswith(("false", "0")) for a in settings):
            return "git -c http.sslVerify=false accepts any TLS certificate"
        words = [a.lower() for a in command.args]
        if "config" in words and "http.sslverify" in words and words[-1] in _DISABLING:
            return "git config http.sslVerify false accepts any TLS certificate"
    return None
