"""The servers the image's command names (the command itself is
:mod:`jettison.dockerfile.launch`'s)."""

from __future__ import annotations

from jettison.dockerfile.launch import Launch, python_module

SERVERS = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "waitress-serve", "granian", "flask",
     "fastapi", "streamlit", "panel", "bokeh", "voila", "jupyter", "jupyter-lab",
     "jupyter-notebook", "jupyter-server", "torchserve", "tritonserver", "mlflow", "bentoml",
     "tensorflow_model_server", "text-generation-launcher", "vllm", "nginx", "httpd",
     "apache2", "caddy", "openresty", "gradio", "litserve", "serve"}
)  # fmt: skip
"""Programs that serve HTTP when they are the image's command."""
SERVER_MODULES = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "flask", "streamlit", "http.server",
     "jupyterlab", "notebook", "mlflow", "bentoml", "vllm.entrypoints.openai.api_server",
     "vllm.entrypoints.api_server", "django", "granian", "fastapi", "waitress", "litserve"}
)  # fmt: skip
"""Python modules that serve HTTP when run with ``python -m``."""


def is_server(launch: Launch) -> bool:
    module = python_module(launch.command)
    if module is not None:
        return module in SERVER_MODULES
    if launch.command.name.startswith("python"):
        return "runserver" in launch.command.args  # python manage.py runserver
    return launch.command.name in SERVERS
