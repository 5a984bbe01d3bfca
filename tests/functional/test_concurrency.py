"""Several jettison processes at once on one machine (CI jobs do this) share the cache
directory: the layer scan cache, the wheel-size cache. Each test starts 8 real processes
against one ``JETTISON_CACHE``, checks every result is what a process alone gets, and the
cache is intact afterwards (every entry readable, no temporary file left).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jettison.image.scan_cache import SUFFIX, ScanCache, capture_key
from jettison.image.sources import open_image
from jettison.inspect.analyze import CAPTURE_GLOBS
from jettison.lint.sizes import CACHE_FILE
from support.imagewriter import write_docker_archive

from .conftest import ML_SPEC

PROCESSES = 8
ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str], cache: Path, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "JETTISON_CACHE": str(cache), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "jettison", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all(args: list[str], cache: Path, cwd: Path, n: int = PROCESSES) -> list[str]:
    """Start ``n`` processes at once; their outputs, once all are done."""
    running = [_start(args, cache, cwd) for _ in range(n)]
    outputs = []
    for process in running:
        out, err = process.communicate(timeout=300)
        assert process.returncode in (0, 1), err[-2000:]
        outputs.append(out)
    return outputs


def _no_temporaries(directory: Path) -> None:
    left = [p.name for p in directory.rglob(".*") if p.is_file()]
    assert left == [], f"temporary files left in the cache: {left}"


def test_eight_inspects_share_one_layer_cache(tmp_path: Path) -> None:
    image = write_docker_archive(tmp_path / "image.tar", ML_SPEC)
    args = ["inspect", str(image), "--format", "json"]
    (alone,) = _all(args, tmp_path / "solo-cache", tmp_path, n=1)
    shared = tmp_path / "shared-cache"

    cold = _all(args, shared, tmp_path)  # all scan, all write the same entries at once
    warm = _all(args, shared, tmp_path)  # all read them at once
    assert cold == [alone] * PROCESSES
    assert warm == [alone] * PROCESSES

    layers = shared / "layers"
    _no_temporaries(layers)
    entries = sorted(layers.glob(f"*{SUFFIX}"))
    cache = ScanCache(layers, capture=capture_key(CAPTURE_GLOBS))
    with open_image(str(image)) as opened:
        assert len(entries) == len(opened.layers)
        assert all(cache.load(layer) is not None for layer in opened.layers)

    # A torn entry (a process killed mid-write by something else) is a miss, then rewritten.
    entries[0].write_bytes(entries[0].read_bytes()[:100])
    again = _all(args, shared, tmp_path, n=2)
    assert again == [alone, alone]
    with open_image(str(image)) as opened:
        assert all(cache.load(layer) is not None for layer in opened.layers)


def test_eight_lints_read_prepared_wheel_sizes(tmp_path: Path) -> None:
    project = tmp_path / "service"
    project.mkdir()
    (project / "Dockerfile").write_text(
        "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'COPY . .\nCMD ["python", "app.py"]\n'
    )
    (project / "requirements.txt").write_text("torch==2.3.1\npytest==8.2.0\nnumpy==1.26.4\n")
    (project / "app.py").write_text("import numpy\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    wheels = {
        "torch==2.3.1": {
            "filename": "t.whl",
            "installed_bytes": 1_500_000_000,
            "requires_dist": [],
        },
        "pytest==8.2.0": {"filename": "p.whl", "installed_bytes": 3_000_000, "requires_dist": []},
    }
    document = {"format": 1, "indexes": {"https://pypi.org/pypi": {"wheels": wheels}}}
    (cache / CACHE_FILE).write_text(json.dumps(document))
    before = (cache / CACHE_FILE).read_bytes()
    args = ["lint", str(project), "--offline", "--format", "json"]

    (alone,) = _all(args, cache, tmp_path, n=1)
    assert "1500000000" in alone.replace(",", "") or "1.5 GB" in alone  # the cache was read
    assert _all(args, cache, tmp_path) == [alone] * PROCESSES
    assert (cache / CACHE_FILE).read_bytes() == before  # offline: read, never rewritten


_WRITER = """
import sys
from pathlib import Path
from jettison.pypi import JsonCache

path, me = Path(sys.argv[1]), sys.argv[2]
for i in range(40):
    cache = JsonCache(path, "https://pypi.org/pypi", 1)
    cache.table("wheels")[f"{me}-{i}"] = {"installed_bytes": i}
    cache.save()
"""


def test_eight_writers_of_one_json_cache_lose_no_entry(tmp_path: Path) -> None:
    """Each process reads the file, adds an entry and saves, 40 times: with a plain
    rewrite, a process that read before another saved would drop that one's entries."""
    path = tmp_path / "cache" / CACHE_FILE
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    running = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), f"p{n}"], env=env)
        for n in range(PROCESSES)
    ]
    assert [p.wait(timeout=300) for p in running] == [0] * PROCESSES
    data = json.loads(path.read_text())
    wheels = data["indexes"]["https://pypi.org/pypi"]["wheels"]
    assert sorted(wheels) == sorted(f"p{n}-{i}" for n in range(PROCESSES) for i in range(40))
    _no_temporaries(path.parent)
