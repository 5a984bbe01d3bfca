"""What started Python code does: the servers it runs, reload/debug, installs at start."""

from __future__ import annotations

from jettison.dockerfile.scripts import Script
from jettison.imports.entry import (
    installs,
    loader_of,
    model_loads,
    parse,
    servers,
    serving_libraries,
)


def script(text: str, *, function: str | None = None, module: str | None = None) -> Script:
    return Script("app.py", "python", text, "/app/app.py", module, function)


def test_flask_app_run_is_the_development_server() -> None:
    code = "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n"
    [debug] = servers(script(code + "    app.run(debug=True)\n"))
    assert debug.server == "flask" and debug.runs and debug.line == 4
    assert debug.dev is not None and "debugger" in debug.dev
    [plain] = servers(script(code + "    app.run(host='0.0.0.0')\n"))
    assert plain.dev is not None and "debugger" not in plain.dev


def test_a_main_block_does_not_run_for_a_console_script() -> None:
    code = (
        "import uvicorn\napp = object()\n"
        "def main():\n    uvicorn.run(app, port=80)\n"
        "if __name__ == '__main__':\n    uvicorn.run('app:app', reload=True)\n"
    )
    found = servers(script(code, function="main"))
    assert [(s.line, s.runs, s.dev) for s in found] == [(4, True, None), (6, False, None)]
    as_script = servers(script(code))
    assert [(s.line, s.runs) for s in as_script] == [(4, False), (6, True)]
    assert as_script[1].dev is not None and "reload=True" in as_script[1].dev


def test_reload_left_on_by_a_click_flag() -> None:
    code = (
        "import click, uvicorn\n"
        "@click.group()\ndef cli():\n    pass\n"
        "@cli.command()\n@click.option('--prod/--no-prod', default=False)\n"
        "def start(prod):\n    uvicorn.run('api:app', reload=not prod)\n"
    )
    [on] = servers(script(code, function="cli"), ["start", "--port", "80"])
    assert on.runs and on.dev is not None and "reload=not prod" in on.dev
    [off] = servers(script(code, function="cli"), ["start", "--prod"])
    assert off.runs and off.dev is None
    [other] = servers(script(code, function="cli"), ["reset"])
    assert not other.runs


def test_reload_from_argparse_and_unknown_values() -> None:
    code = (
        "import argparse, uvicorn\np = argparse.ArgumentParser()\n"
        "p.add_argument('--reload', action='store_true')\nargs = p.parse_args()\n"
        "uvicorn.run('a:b', reload=args.reload)\n"
    )
    assert servers(script(code), ["--reload"])[0].dev is not None
    assert servers(script(code), [])[0].dev is None
    settings = (
        "import uvicorn\nfrom conf import settings\nuvicorn.run('a:b', reload=settings.reload)\n"
    )
    assert servers(script(settings))[0].dev is None  # not knowable: never guessed


def test_other_servers_and_libraries() -> None:
    code = (
        "import gradio as gr\nfrom websockets.sync.server import serve\n"
        "from waitress import serve as wserve\nfrom aiohttp import web\n"
        "demo = gr.Blocks()\ndemo.queue().launch(server_port=7860)\n"
        "serve(handler, '0.0.0.0', 9000)\nwserve(app)\nweb.run_app(app)\n"
    )
    assert [s.server for s in servers(script(code))] == [
        "gradio",
        "websockets",
        "waitress",
        "aiohttp",
    ]
    tree = parse(script(code))
    assert tree is not None and serving_libraries(tree) == {
        "gradio",
        "websockets",
        "waitress",
        "aiohttp",
    }
    assert servers(script("def broken(:\n")) == []


def test_installs_at_start() -> None:
    code = (
        "import subprocess, sys, os\n"
        "subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'extra'])\n"
        "def later():\n    os.system('pip install other')\n"
    )
    found = installs(script(code))
    assert [(i.line, i.runs, i.inferred) for i in found] == [(2, True, False), (4, False, False)]
    subprocess_only = "import subprocess\nsubprocess.run(['ls', '-l'])\n"
    assert installs(script(subprocess_only)) == []


def test_lazy_installer_helpers_by_name() -> None:
    code = "from lib.utils import import_fastapi\nimport_fastapi()\nfrom fastapi import FastAPI\n"
    [found] = installs(script(code))
    assert found.inferred and found.how == "import_fastapi()"
    local = "def import_fastapi():\n    pass\nimport_fastapi()\nimport fastapi\n"
    assert installs(script(local)) == []  # defined here: its body would say


def test_model_loads_resolved_through_imports() -> None:
    code = (
        "from transformers import AutoModel as M, pipeline\nimport whisper\n"
        "from spacy.cli import download as fetch\n"
        "M.from_pretrained('x')\npipeline('ner')\nwhisper.load_model('base')\nfetch('en_core_web_lg')\n"
        "def unused():\n    whisper.load_model('large')\n"
    )
    loads = model_loads(script(code))
    assert [(m.call, m.source, m.line) for m in loads] == [
        ("M.from_pretrained()", "Hugging Face Hub", 4),
        ("pipeline()", "Hugging Face Hub", 5),
        ("whisper.load_model()", "openai-whisper", 6),
        ("fetch (spacy.cli.download)()", "spaCy", 7),
    ]
    assert loader_of("snapshot_download") == "Hugging Face Hub"  # a star import's name
    assert loader_of("pipeline") is None and loader_of("sklearn.pipeline") is None


def test_model_loads_through_a_local_class() -> None:
    engine = Script(
        "tts/engine.py",
        "python",
        "class Voice:\n    def __init__(self):\n        self.w = get_or_download_weights()\n",
        module="tts.engine",
    )
    code = "from tts.engine import Voice\nVoice()\n"
    [load] = model_loads(script(code), [engine])
    assert load.call == "Voice() (tts/engine.py line 3: get_or_download_weights())"


def test_a_server_behind_a_condition_runs_only_when_the_condition_is_known() -> None:
    code = (
        "import argparse, os\nfrom werkzeug.serving import run_simple\nfrom waitress import serve\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('--debug', action='store_true', default=os.environ.get('DEBUG'))\n"
        "p.add_argument('--dev', action='store_true')\n"
        "def main():\n    args = p.parse_args()\n"
        "    if args.debug:\n        run_simple('0.0.0.0', 80, None)\n"
        "    if args.dev:\n        run_simple('0.0.0.0', 81, None)\n"
        "    else:\n        serve(None)\n"
    )
    found = {s.line: s for s in servers(script(code, function="main"))}
    assert not found[10].runs  # the default comes from the environment: unknown
    assert not found[12].runs and found[14].runs
    with_dev = {s.line: s for s in servers(script(code, function="main"), ["--dev"])}
    assert with_dev[12].runs and with_dev[12].dev is not None and not with_dev[14].runs
