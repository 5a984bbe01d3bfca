from __future__ import annotations

import pytest

from jettison.render.text import ellipsize, image_path, printable, shorten_instruction


@pytest.mark.parametrize(
    ("created_by", "expected"),
    [
        ('/bin/sh -c #(nop)  CMD ["python" "app.py"]', 'CMD ["python" "app.py"]'),
        ("/bin/sh -c #(nop) ADD file:abc123 in / ", "ADD file:abc123 in /"),
        ("/bin/sh -c apt-get update", "RUN apt-get update"),
        ("|2 CUDA=12.1 TORCH=2.3 /bin/sh -c pip install torch", "RUN pip install torch"),
        ("|1 MSG=hello world /bin/sh -c echo $MSG", "RUN echo $MSG"),
        ("|1 A=1 pip install x", "pip install x"),
        ("RUN /bin/sh -c pip install -r r.txt # buildkit", "RUN pip install -r r.txt"),
        ("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", "RUN make"),
        ("RUN /bin/bash -o pipefail -c curl x | sh # buildkit", "RUN curl x | sh"),
        ("COPY . /app # buildkit", "COPY . /app"),
        ("WORKDIR /app", "WORKDIR /app"),
        (
            "/bin/sh -c set -eux; \\\n    apt-get update;\t\\\n  rm -rf x",
            "RUN set -eux; \\ apt-get update; \\ rm -rf x",
        ),
        ("", ""),
    ],
)
def test_shorten_instruction(created_by: str, expected: str) -> None:
    assert shorten_instruction(created_by) == expected


def test_printable_keeps_valid_text_and_escapes_stray_surrogates() -> None:
    assert printable("app/modèles/😀") == "app/modèles/😀"
    escaped = printable("caf\udce9")
    escaped.encode("utf-8")
    assert escaped == "caf\\xe9"
    assert printable("a\ud800b") == "a\\xed\\xa0\\x80b"


def test_image_path_and_ellipsize() -> None:
    assert image_path("usr/lib") == "/usr/lib"
    assert image_path("/app") == "/app"
    assert ellipsize("abcdef", 6) == "abcdef"
    assert ellipsize("abcdefg", 6) == "abcde…"
