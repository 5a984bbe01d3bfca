"""metadata_files: the files a project's packaging names, which building it reads."""

from __future__ import annotations

from pathlib import Path

from jettison.requirements.metadata_files import metadata_files
from support.files import write


def test_pyproject_readme_license_and_dynamic_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "svc"\nreadme = "README.md"\nlicense = { file = "LICENSE" }\n'
        'license-files = ["NOTICE", "LICENSES/*.txt", "/etc/passwd", "../outside"]\n'
        "[tool.setuptools.dynamic]\n"
        'version = { file = "VERSION" }\n'
        'dependencies = { file = ["requirements.txt"] }\n'
        'optional-dependencies.gpu = { file = ["requirements-gpu.txt"] }\n',
    )
    assert metadata_files(tmp_path) == [
        "README.md",
        "LICENSE",
        "NOTICE",  # a pattern, an absolute path and one leaving the project are not files
        "VERSION",
        "requirements.txt",
        "requirements-gpu.txt",
    ]


def test_readme_as_a_table_poetry_and_no_file_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "svc"\nreadme = { file = "docs/README.rst" }\n'
        'license = "MIT"\n'  # an SPDX expression, no file
        '[tool.poetry]\nreadme = ["README.md", "CHANGES.md"]\n',
    )
    assert metadata_files(tmp_path) == ["docs/README.rst", "README.md", "CHANGES.md"]
    write(
        tmp_path, "pyproject.toml", '[project]\nreadme = { text = "inline", content-type = "x" }\n'
    )
    assert metadata_files(tmp_path) == []
    write(tmp_path, "pyproject.toml", "[project\nbroken")
    assert metadata_files(tmp_path) == []
    assert metadata_files(tmp_path / "absent") == []


def test_setup_cfg_file_values_and_license_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.cfg",
        "[metadata]\nname = svc\nlong_description = file: README.md, CHANGELOG.md\n"
        "license_files =\n    LICENSE\n    AUTHORS\nversion = attr: svc.__version__\n"
        "[options]\ninstall_requires = file: requirements.txt\npackages = find:\n",
    )
    assert metadata_files(tmp_path) == [
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "AUTHORS",
        "requirements.txt",
    ]


def test_setup_py_opens_and_keywords(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.py",
        "import io, os\nfrom pathlib import Path\nfrom setuptools import setup\n"
        "here = os.path.abspath(os.path.dirname(__file__))\n"
        "with open(os.path.join(here, 'docs', 'INTRO.md')) as f:\n    intro = f.read()\n"
        "notes = (Path(__file__).parent / 'NOTES.md').read_text()\n"
        "version = Path('VERSION').read_text().strip()\n"
        "open('build_info.py', 'w').write('x')\n"  # written, not read
        "setup(\n"
        "    name='svc',\n"
        "    long_description=io.open('README.md', encoding='utf-8').read(),\n"
        "    license_files=['LICENSE'],\n"
        "    install_requires=open(requirements_path()).read().splitlines(),\n"  # computed
        ")\n",
    )
    assert sorted(metadata_files(tmp_path)) == [
        "LICENSE",
        "NOTES.md",
        "README.md",
        "VERSION",
        "docs/INTRO.md",
    ]
    write(tmp_path, "setup.py", "setup(\n")
    assert metadata_files(tmp_path) == []
