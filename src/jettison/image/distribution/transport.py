"""How registries are reached (:class:`Transport`: ``--tls-verify`` and friends), apart from
the client, so that what only passes these settings on (inspect of a local archive) does not
load ``ssl`` and ``http.client`` (6 MB and 40 ms of every start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CERT_DIRS = (Path("/etc/containers/certs.d"), Path("/etc/docker/certs.d"))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Tries in all, the first included."""
    first_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after and retry_after.strip().isdigit():
            return min(float(int(retry_after.strip())), self.max_delay_s)
        backoff: float = self.first_delay_s * 2.0 ** (attempt - 1)
        return min(backoff, self.max_delay_s)


@dataclass(frozen=True)
class Transport:
    """How registries are reached: what ``--tls-verify`` and friends set."""

    tls_verify: bool = True
    timeout_s: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cert_dirs: tuple[Path, ...] = CERT_DIRS
