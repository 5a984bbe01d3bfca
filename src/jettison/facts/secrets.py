"""What a secret looks like: the prefixes providers give their keys, and the shape of a
random token. Read by lint's JT602, which also asks the variable's name.

A value is a secret when it carries a provider's prefix followed by a token-shaped tail
(``hf_`` and 30-odd letters and digits), or when it is long and random-looking on its own
(20 characters or more of mixed letters and digits, no spaces, not a path or a URL).
Placeholders (``changeme``, ``your-api-key``, ``<token>``, ``xxxx``) are not secrets, even
with a prefix.
"""

from __future__ import annotations

import math
import re
from collections import Counter

PROVIDER_PREFIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^sk-(?:proj-|ant-(?:api\d+-)?|or-v1-)?[A-Za-z0-9_-]{20,}$"),
     "an OpenAI/Anthropic-style key (sk-...)"),
    (re.compile(r"^hf_[A-Za-z0-9]{20,}$"), "a Hugging Face token (hf_...)"),
    (re.compile(r"^(?:AKIA|ASIA)[A-Z0-9]{16}$"), "an AWS access key id"),
    (re.compile(r"^gh[pousr]_[A-Za-z0-9]{30,}$"), "a GitHub token"),
    (re.compile(r"^github_pat_[A-Za-z0-9_]{30,}$"), "a GitHub token"),
    (re.compile(r"^glpat-[A-Za-z0-9_-]{20,}$"), "a GitLab token"),
    (re.compile(r"^xox[abposr]-[A-Za-z0-9-]{10,}$"), "a Slack token"),
    (re.compile(r"^AIza[A-Za-z0-9_-]{35}$"), "a Google API key"),
    (re.compile(r"^ya29\.[A-Za-z0-9_-]{20,}$"), "a Google OAuth token"),
    (re.compile(r"^(?:sk|rk)_live_[A-Za-z0-9]{20,}$"), "a Stripe secret key"),
    (re.compile(r"^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$"), "a SendGrid key"),
    (re.compile(r"^npm_[A-Za-z0-9]{30,}$"), "an npm token"),
    (re.compile(r"^pypi-[A-Za-z0-9_-]{50,}$"), "a PyPI token"),
    (re.compile(r"^r8_[A-Za-z0-9]{30,}$"), "a Replicate token"),
    (re.compile(r"^gsk_[A-Za-z0-9]{30,}$"), "a Groq key"),
    (re.compile(r"^pcsk_[A-Za-z0-9_]{30,}$"), "a Pinecone key"),
    (re.compile(r"^eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$"),
     "a JSON Web Token"),
    (re.compile(r"^-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
)  # fmt: skip
"""(pattern, what it is) of provider token formats, from each provider's documentation."""

PLACEHOLDER = re.compile(
    r"change.?me|your|example|placeholder|dummy|replace|insert|redacted|sample|fake|"
    r"test|secret|password|token|x{4,}|\*{3,}|<[^>]*>|\.\.\.|todo|none|null|empty",
    re.IGNORECASE,
)
"""Words and marks of a value written to be replaced."""
MIN_RANDOM_LENGTH = 20
MIN_ENTROPY_BITS = 3.0
"""Shannon entropy per character a random token has at least (hex is 4, base64 about 6;
English words stay under 3 once repeated letters count)."""


def secret_shape(value: str) -> str | None:
    """What the value looks like when it looks like a secret (``a Hugging Face token
    (hf_...)``, ``a long random string``), None for placeholders, paths, URLs, words."""
    text = value.strip()
    if not text or PLACEHOLDER.search(text) or _path_or_url(text):
        return None
    for pattern, what in PROVIDER_PREFIXES:
        if pattern.match(text):
            return what
    if _random(text):
        return "a long random string"
    return None


def _path_or_url(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~")) or "://" in text


def _random(text: str) -> bool:
    if len(text) < MIN_RANDOM_LENGTH or any(c.isspace() for c in text):
        return False
    if not (any(c.isdigit() for c in text) and any(c.isalpha() for c in text)):
        return False
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return entropy >= MIN_ENTROPY_BITS
