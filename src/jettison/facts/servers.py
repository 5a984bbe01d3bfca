"""Network servers: the programs, Python modules and base images that serve HTTP (or
websockets) when they are what a container runs, and the ports that say "not HTTP".

Read by lint's runtime rules (a service without a health check, a development server as the
command, an entrypoint that keeps the shell as PID 1) and by the reading of the code a
container starts (:mod:`jettison.imports.entry`).
"""

from __future__ import annotations

from jettison.imageref import ImageRef

SERVER_PROGRAMS = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "waitress-serve", "granian", "flask",
     "fastapi", "streamlit", "panel", "bokeh", "voila", "jupyter", "jupyter-lab",
     "jupyter-notebook", "jupyter-server", "torchserve", "tritonserver", "mlflow", "bentoml",
     "tensorflow_model_server", "text-generation-launcher", "text-generation-router",
     "text-embeddings-router", "vllm", "nginx", "httpd", "apache2", "caddy", "openresty",
     "gradio", "litserve", "serve", "chainlit", "uwsgi", "sanic", "ollama", "llama-server",
     "lmdeploy", "sglang", "langchain", "datasette", "label-studio-ml"}
)  # fmt: skip
"""Programs that serve HTTP when they are the image's command."""
SERVER_MODULES = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "flask", "streamlit", "http.server",
     "jupyterlab", "notebook", "mlflow", "bentoml", "vllm.entrypoints.openai.api_server",
     "vllm.entrypoints.api_server", "django", "granian", "fastapi", "waitress", "litserve",
     "llama_cpp.server", "sglang.launch_server", "fastchat.serve.openai_api_server",
     "fastchat.serve.controller", "fastchat.serve.gradio_web_server", "lmdeploy",
     "text_generation_server", "chainlit", "gradio", "panel", "sanic", "aiohttp.web"}
)  # fmt: skip
"""Python modules that serve HTTP when run with ``python -m``."""
SUBCOMMAND_SERVERS: dict[str, frozenset[str]] = {
    "vllm": frozenset({"serve"}),
    "mlflow": frozenset({"server", "ui", "models", "gateway"}),
    "bentoml": frozenset({"serve", "serve-http"}),
    "lmdeploy": frozenset({"serve"}),
    "ollama": frozenset({"serve"}),
    "langchain": frozenset({"serve"}),
    "datasette": frozenset({"serve"}),
    "label-studio-ml": frozenset({"start"}),
}
"""Programs that serve only with one of these first words (``mlflow server``, ``vllm
serve``); their other verbs (``mlflow run``) are batch jobs."""

SERVER_BASES: dict[str, str] = {
    "vllm/vllm-openai": "vLLM's OpenAI-compatible server",
    "ghcr.io/huggingface/text-generation-inference": "text-generation-inference",
    "ghcr.io/huggingface/text-embeddings-inference": "text-embeddings-inference",
    "tiangolo/uvicorn-gunicorn-fastapi": "gunicorn with uvicorn workers",
    "tiangolo/uvicorn-gunicorn": "gunicorn with uvicorn workers",
    "tiangolo/uvicorn-gunicorn-starlette": "gunicorn with uvicorn workers",
    "tiangolo/meinheld-gunicorn-flask": "gunicorn with meinheld workers",
    "tiangolo/meinheld-gunicorn": "gunicorn with meinheld workers",
    "tiangolo/uwsgi-nginx-flask": "uWSGI behind nginx",
    "tiangolo/uwsgi-nginx": "uWSGI behind nginx",
    "pytorch/torchserve": "TorchServe",
    "tensorflow/serving": "TensorFlow Serving",
    "ollama/ollama": "Ollama's API server",
    "nginx": "nginx",
    "httpd": "Apache httpd",
    "caddy": "Caddy",
}
"""Base images whose own command (when the Dockerfile keeps it) is an HTTP server, with
what it runs. Checked by repository name; the tag does not matter. Not listed: images that
ship a server but start a shell by default (NGC's ``tritonserver``, ``lmsysorg/sglang``)."""

NON_HTTP_PORTS: dict[str, str] = {
    "22": "SSH",
    "25": "SMTP",
    "53": "DNS",
    "1883": "MQTT",
    "3306": "MySQL",
    "5432": "PostgreSQL",
    "5672": "AMQP",
    "6379": "Redis",
    "9092": "Kafka",
    "11211": "memcached",
    "27017": "MongoDB",
}
"""Well-known ports of protocols other than HTTP: exposing one says nothing of a web
service."""
NON_HTTP_SCHEMES = ("tcp://", "udp://", "unix://", "grpc://", "stdio://")
"""A server told to listen on one of these (``--uri tcp://0.0.0.0:10300``) speaks its own
protocol, not HTTP."""


def serving_base(ref: ImageRef) -> str | None:
    """What the base image serves over HTTP with its own command, or None."""
    return SERVER_BASES.get(ref.name)
