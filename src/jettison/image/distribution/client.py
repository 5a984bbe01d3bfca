"""A client of one repository of a registry, over the Distribution API (``/v2/``).

The standard library's ``http.client``, not a library, because a registry client needs
control that a general one hides: the ``Authorization`` header must not follow a redirect to
another host (registries send blobs to object storage with signed URLs), a blob is read as a
stream of a known length and resumed with a ``Range`` request when the connection drops, and
the scheme is decided once per registry. What it does, as Docker and containers/image do:

- **TLS**: HTTPS, verified against the system CA store (``SSL_CERT_FILE`` honoured) plus the
  per-registry CAs in ``/etc/containers/certs.d/HOST/*.crt`` and
  ``/etc/docker/certs.d/HOST/*.crt`` (a ``NAME.cert``/``NAME.key`` pair there is a client
  certificate). Plain HTTP only for a registry on a loopback address (Docker's default
  insecure range) or with ``tls_verify=False``, and only when it does not speak TLS.
- **Auth**: ``/v2/`` is asked first; a 401 names Basic or Bearer. Basic sends the
  credentials (:mod:`.auth`); Bearer trades them (or nothing: anonymous) at the token
  endpoint for a pull token of this repository, fetched again when it expires. The token
  endpoint (the challenge's realm) is HTTPS, on any host; plain HTTP only for a plain-HTTP
  registry's own host.
- **Retries**: 429 and 5xx answers, resets and timeouts are retried with exponential backoff
  (``Retry-After`` honoured, capped); a refused connection is not.
- **Redirects**: followed (at most :data:`MAX_REDIRECTS`), a loop said as one.
- **Proxies**: ``https_proxy``/``http_proxy``/``no_proxy`` as ``urllib`` reads them.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jettison.errors import ImageError, ImageNotFoundError, RegistryError
from jettison.image.distribution.auth import Challenge, Lookup, find_credentials, parse_challenge
from jettison.image.distribution.transport import Transport
from jettison.imageref import DOCKER_HUB

DOCKER_HUB_API = "registry-1.docker.io"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
USER_AGENT = "jettison (+https://github.com/jettison)"
sleep = time.sleep
"""How retries wait (tests replace it)."""
LOGIN_HINT = (
    "log in with `docker login {host}` or `skopeo login {host}` (jettison reads "
    "$REGISTRY_AUTH_FILE, containers' auth.json, ~/.docker/config.json and their "
    "credential helpers)"
)


@dataclass
class Counters:
    """What a client moved over the network (for benchmarks and tests)."""

    requests: int = 0
    body_bytes: int = 0


def api_host(host: str) -> str:
    """The host that serves a registry's API (Docker Hub's is not ``docker.io``)."""
    return DOCKER_HUB_API if host == DOCKER_HUB else host


def is_loopback(host: str) -> bool:
    try:
        name = urllib.parse.urlsplit(f"//{host}").hostname or host
    except ValueError:
        return False
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Response:
    """An answer whose body is still to be read; closes its connection when closed."""

    def __init__(
        self, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse, url: str
    ) -> None:
        self._conn = conn
        self.raw = raw
        self.url = url
        self.status = raw.status
        self.headers = raw.headers

    def read(self, limit: int) -> bytes:
        """The whole body, refused when longer than ``limit``."""
        data = self.raw.read(limit + 1)
        if len(data) > limit:
            raise RegistryError(f"{_short(self.url)}: the answer is larger than {limit} bytes")
        return data

    def close(self) -> None:
        self.raw.close()
        self._conn.close()


class RegistryClient:
    """Requests to one repository (``host/repository``), safe to share between threads."""

    def __init__(self, host: str, repository: str, transport: Transport | None = None) -> None:
        self.host = host
        self.repository = repository
        self.transport = transport or Transport()
        self.counters = Counters()
        self._api = api_host(host)
        self._scheme: str | None = None
        self._authorization: str | None = None
        self._challenge: Challenge | None = None
        self._lookup: Lookup | None = None
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}

    @property
    def display(self) -> str:
        return f"{self.host}/{self.repository}"

    # ------------------------------------------------------------------ public

    def get(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        *,
        ok: frozenset[int] = frozenset({200}),
        what: str,
    ) -> Response:
        """GET ``/v2/<repository>/<path>``: the answer when its status is in ``ok``, else the
        error it means (404: :class:`ImageNotFoundError`, others :class:`RegistryError`)."""
        self._ensure_ready()
        url = f"{self._scheme}://{self._api}/v2/{self.repository}/{path}"
        response = self._request(url, dict(headers or {}), what)
        if response.status in ok:
            return response
        try:
            raise self._status_error(response, what)
        finally:
            response.close()

    def count(self, n: int) -> None:
        with self._lock:
            self.counters.body_bytes += n

    # ------------------------------------------------------------------ the first contact

    def _ensure_ready(self) -> None:
        with self._lock:
            if self._scheme is not None:
                return
        scheme = self._choose_scheme()
        with self._lock:
            self._scheme = scheme

    def _choose_scheme(self) -> str:
        """Ping ``/v2/`` over HTTPS; plain HTTP where allowed and the registry speaks no TLS.
        A 401 here gives the challenge the next requests answer."""
        try:
            self._ping("https")
            return "https"
        except ssl.SSLCertVerificationError as exc:
            raise RegistryError(
                f"{self.host}: its TLS certificate is not trusted ({exc.verify_message})",
                hint="add the registry's CA to the system store or to "
                f"/etc/containers/certs.d/{self.host}/ca.crt, or pass --tls-verify=false",
            ) from exc
        except (ssl.SSLError, ConnectionResetError, http.client.RemoteDisconnected) as exc:
            if not (is_loopback(self.host) or not self.transport.tls_verify):
                raise RegistryError(
                    f"{self.host}: no TLS connection could be made ({exc})",
                    hint="if the registry serves plain HTTP, pass --tls-verify=false",
                ) from exc
        self._ping("http")
        return "http"

    def _ping(self, scheme: str) -> None:
        url = f"{scheme}://{self._api}/v2/"
        response = self._request(url, {}, "the registry's API", authenticate=False, tls=True)
        try:
            if response.status == 401:
                self._challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
            elif response.status == 404:
                raise RegistryError(
                    f"{self.host} does not serve the registry API (/v2/ answers 404)",
                    hint="check the host and port: is it a container registry?",
                )
            elif response.status >= 400:
                raise self._status_error(response, "the registry's API")
            else:
                response.read(1 << 16)
        finally:
            response.close()

    # ------------------------------------------------------------------ one request

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        what: str,
        *,
        authenticate: bool = True,
        tls: bool = False,
    ) -> Response:
        """Send one GET, following redirects, answering one 401 with credentials and
        retrying what is worth retrying. ``tls``: let TLS errors through (the scheme choice
        needs them)."""
        policy = self.transport.retry
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            sent = dict(headers)
            if authenticate and self._challenge is not None and self._authorization is None:
                self._authorize(self._challenge)
            if authenticate and self._authorization is not None:
                sent["Authorization"] = self._authorization
            try:
                response = self._follow(url, sent, what, tls)
            except _Retryable as exc:
                if attempt >= policy.attempts:
                    raise RegistryError(
                        f"{self.display}: {what}: {exc} (after {attempt} tries)",
                        hint="the registry or the network is failing; try again later",
                    ) from exc.__cause__
                sleep(policy.delay(attempt))
                continue
            if response.status == 401 and authenticate and not reauthenticated:
                challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
                response.close()
                reauthenticated = True
                with self._lock:
                    self._authorization = None
                    self._challenge = challenge or self._challenge
                if self._challenge is None:
                    raise self._unauthorized(what)
                attempt -= 1
                continue
            if response.status in RETRY_STATUSES and attempt < policy.attempts:
                wait = policy.delay(attempt, response.headers.get("Retry-After"))
                response.close()
                sleep(wait)
                continue
            if response.status == 401 and authenticate:
                response.close()
                raise self._unauthorized(what)
            return response

    def _follow(self, url: str, headers: dict[str, str], what: str, tls: bool) -> Response:
        """One GET and its redirects. ``Authorization`` follows a redirect only to the same
        origin (scheme, host and port): not to another host (object storage), and not to the
        same host over plain HTTP; once dropped it stays dropped."""
        seen = [url]
        origin = _origin(url)
        while True:
            response = self._send(url, headers, tls)
            if response.status not in REDIRECT_STATUSES:
                return response
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise RegistryError(f"{self.display}: {what}: a redirect without a Location")
            url = urllib.parse.urljoin(url, location)
            scheme, host, port = _origin(url)
            if scheme not in ("http", "https") or not host or port is None:
                raise RegistryError(
                    f"{self.display}: {what}: a redirect to {_short(url)}, not an http(s) URL",
                    hint="the registry (or its storage redirect) is misconfigured",
                )
            if url in seen or len(seen) > MAX_REDIRECTS:
                loop = "a redirect loop" if url in seen else f"over {MAX_REDIRECTS} redirects"
                raise RegistryError(
                    f"{self.display}: {what}: {loop} ({' -> '.join(_short(u) for u in seen)})",
                    hint="the registry (or its storage redirect) is misconfigured",
                )
            seen.append(url)
            if _origin(url) != origin:
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}

    def _send(self, url: str, headers: dict[str, str], tls: bool) -> Response:
        parts = urllib.parse.urlsplit(url)
        conn, target = self._connection(parts)
        sent = {"User-Agent": USER_AGENT, **headers}
        with self._lock:
            self.counters.requests += 1
        try:
            conn.request("GET", target, headers=sent)
            raw = conn.getresponse()
        except ConnectionRefusedError as exc:
            conn.close()
            raise RegistryError(
                f"{_netloc(parts)}: connection refused",
                hint="is the registry running, and are the host and port right?",
            ) from exc
        except socket.gaierror as exc:
            conn.close()
            raise RegistryError(
                f"{parts.hostname}: cannot resolve the host name ({exc.strerror})",
                hint="check the registry's host name and the network",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            if tls:
                raise
            raise RegistryError(
                f"{_netloc(parts)}: its TLS certificate is not trusted ({exc.verify_message})",
                hint="add its CA to the system store, or pass --tls-verify=false",
            ) from exc
        except ssl.SSLError as exc:
            conn.close()
            if tls:
                raise
            raise _Retryable(_describe(exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if tls and isinstance(exc, ConnectionResetError | http.client.RemoteDisconnected):
                raise
            raise _Retryable(_describe(exc)) from exc
        return Response(conn, raw, url)

    def _connection(
        self, parts: urllib.parse.SplitResult
    ) -> tuple[http.client.HTTPConnection, str]:
        """A connection to the URL's host (through a proxy when one is set), and the request
        target to send on it."""
        host = parts.hostname or ""
        port = parts.port
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        timeout = self.transport.timeout_s
        proxy = _proxy_for(parts.scheme, host)
        if parts.scheme == "https":
            context = self._context(_netloc(parts))
            if proxy is not None:
                conn = http.client.HTTPSConnection(
                    proxy.hostname or "", proxy.port or 3128, timeout=timeout, context=context
                )
                conn.set_tunnel(host, port or 443)
                return conn, target
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context), target
        if proxy is not None:
            plain = http.client.HTTPConnection(
                proxy.hostname or "", proxy.port or 3128, timeout=timeout
            )
            return plain, parts.geturl()
        return http.client.HTTPConnection(host, port, timeout=timeout), target

    def _context(self, netloc: str) -> ssl.SSLContext:
        with self._lock:
            if netloc not in self._contexts:
                self._contexts[netloc] = _tls_context(netloc, self.transport)
            return self._contexts[netloc]

    # ------------------------------------------------------------------ auth

    def _credentials(self) -> Lookup:
        if self._lookup is None:
            self._lookup = find_credentials(self.host, self.repository)
        return self._lookup

    def _authorize(self, challenge: Challenge) -> None:
        """Set the ``Authorization`` the challenge asks for (Basic, or a Bearer token)."""
        creds = self._credentials().credentials
        if challenge.scheme == "basic":
            if creds is None or creds.identity_token:
                raise self._unauthorized("the registry's API")
            token = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
            value = f"Basic {token}"
        elif challenge.scheme == "bearer":
            value = f"Bearer {self._token(challenge)}"
        else:
            raise RegistryError(
                f"{self.host} asks for {challenge.scheme!r} authentication, which jettison "
                "does not speak (Basic and Bearer only)"
            )
        with self._lock:
            self._authorization = value

    def _token(self, challenge: Challenge) -> str:
        """A pull token for this repository from the challenge's realm (the Docker token
        flow; the OAuth2 refresh-token flow for identity tokens)."""
        realm = challenge.params.get("realm")
        if not realm:
            raise RegistryError(f"{self.host}: a Bearer challenge without a realm")
        self._check_realm(realm)
        scope = f"repository:{self.repository}:pull"
        query = {"scope": scope}
        if challenge.params.get("service"):
            query["service"] = challenge.params["service"]
        creds = self._credentials().credentials
        headers = {}
        if creds is not None and creds.identity_token:
            raise RegistryError(
                f"{self.host}: the stored credential is an identity token, which jettison "
                "cannot trade yet",
                hint=LOGIN_HINT.format(host=self.host) + "; with a password, not a token",
            )
        if creds is not None:
            basic = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        url = f"{realm}{'&' if '?' in realm else '?'}{urllib.parse.urlencode(query)}"
        try:
            response = self._follow(url, headers, "the token endpoint", tls=False)
        except _Retryable as exc:
            raise RegistryError(
                f"{self.host}: the token endpoint {_short(realm)} failed ({exc})",
                hint="the registry's auth service is failing; try again later",
            ) from exc.__cause__
        try:
            if response.status == 401:
                raise self._unauthorized("the token endpoint")
            if response.status != 200:
                raise self._status_error(response, "the token endpoint")
            body = response.read(1 << 20)
        finally:
            response.close()
        try:
            answer = json.loads(body)
            token = answer.get("token") or answer.get("access_token")
        except (json.JSONDecodeError, AttributeError) as exc:
            raise RegistryError(f"{self.host}: the token endpoint answered no JSON") from exc
        if not isinstance(token, str) or not token:
            raise RegistryError(f"{self.host}: the token endpoint answered no token")
        return token

    def _check_realm(self, realm: str) -> None:
        """Refuse a token endpoint the credentials would reach in clear. HTTPS anywhere (as
        Docker does: Docker Hub's is auth.docker.io); plain HTTP only when the registry is
        plain HTTP itself (loopback, or ``--tls-verify=false``) and on its own host."""
        parts = urllib.parse.urlsplit(realm)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        if scheme == "https" and host:
            return
        own = (urllib.parse.urlsplit(f"//{self._api}").hostname or "").lower()
        same_host = host == own or (is_loopback(host) and is_loopback(own))
        if scheme == "http" and host and self._scheme == "http" and same_host:
            return
        if scheme != "http" or not host:
            why = "is not an https:// URL"
        elif self._scheme == "http":
            why = "is plain HTTP on another host"
        else:
            why = "is plain HTTP (the registry speaks HTTPS)"
        shown = f"{scheme}://{_short(realm)}" if scheme else repr(_short(realm))
        raise RegistryError(
            f"{self.host}: the token endpoint {shown} {why}; jettison refuses it",
            hint="the registry's WWW-Authenticate realm is misconfigured: it should name an "
            "https:// token endpoint",
        )

    def _unauthorized(self, what: str) -> RegistryError:
        lookup = self._credentials()
        hint = LOGIN_HINT.format(host=self.host)
        if lookup.credentials is None:
            message = (
                f"{self.display}: the registry asks for credentials (401 Unauthorized) and "
                f"none are stored for {self.host}"
            )
            if lookup.problem:
                message += f" ({lookup.problem})"
        else:
            message = (
                f"{self.display}: the registry refused the credentials for {self.host} from "
                f"{lookup.credentials.source} (401 Unauthorized, {what})"
            )
            hint = hint.replace("log in", "log in again", 1)
        return RegistryError(message, hint=hint)

    # ------------------------------------------------------------------ errors

    def _status_error(self, response: Response, what: str) -> ImageError:
        detail = _error_detail(response)
        status = f"{response.status} {response.raw.reason}".strip()
        if response.status == 404:
            return ImageNotFoundError(
                f"{self.display}: {what} not found in the registry ({status}{detail})",
                hint=f"check the repository and tag (`skopeo list-tags docker://{self.display}`)",
            )
        if response.status == 403:
            return RegistryError(
                f"{self.display}: access denied ({status}{detail})",
                hint="the credentials in use may not pull this repository",
            )
        return RegistryError(
            f"{self.display}: {what}: the registry answered {status}{detail}",
            hint="the registry is failing; try again later"
            if response.status >= 500
            else "check the reference",
        )


class _Retryable(Exception):
    """A failure worth another try (a reset, a timeout, a garbled answer)."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the connection closed without an answer"
    return str(exc) or type(exc).__name__


def _origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, the port filled in for HTTP(S) (``None``: one that
    cannot be read, an origin of its own)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _netloc(parts: urllib.parse.SplitResult) -> str:
    """``host[:port]`` of a URL, without the ``user:password@`` it may carry."""
    return parts.netloc.rpartition("@")[2]


def _short(url: str) -> str:
    """A URL as errors show it: ``host[:port]/path``, without the user info and the query
    (presigned storage URLs carry their signature there) or the fragment."""
    parts = urllib.parse.urlsplit(url)
    return f"{_netloc(parts)}{parts.path}"


def _error_detail(response: Response) -> str:
    """``: CODE message`` from a registry's JSON error body, when it has one."""
    try:
        body = response.read(1 << 16)
        doc = json.loads(body)
        first = doc["errors"][0]
        return f": {first.get('code')} {first.get('message')}".rstrip()
    except (RegistryError, OSError, http.client.HTTPException, ValueError, KeyError, IndexError,
            TypeError):  # fmt: skip
        return ""


def _proxy_for(scheme: str, host: str) -> urllib.parse.SplitResult | None:
    if urllib.request.proxy_bypass(host) or is_loopback(host):
        return None
    proxy = urllib.request.getproxies().get(scheme)
    return urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}") if proxy else None


def _tls_context(netloc: str, transport: Transport) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not transport.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    for root in transport.cert_dirs:
        folder = root / netloc
        if not folder.is_dir():
            continue
        for ca in sorted(folder.glob("*.crt")):
            context.load_verify_locations(cafile=str(ca))
        for cert in sorted(folder.glob("*.cert")):
            key = cert.with_suffix(".key")
            if key.is_file():
                context.load_cert_chain(str(cert), str(key))
    return context


class BlobStream(io.RawIOBase):
    """A blob of known length, read as it arrives; a dropped connection is resumed with a
    ``Range`` request (up to the retry policy's tries), a short blob is an error."""

    def __init__(self, client: RegistryClient, digest: str, size: int) -> None:
        super().__init__()
        self._client = client
        self._digest = digest
        self._size = size
        self._pos = 0
        self._failures = 0
        self._response: Response | None = None

    def readable(self) -> bool:
        return True

    def _open(self) -> Response:
        headers = {"Range": f"bytes={self._pos}-"} if self._pos else {}
        response = self._client.get(
            f"blobs/{self._digest}", headers, ok=frozenset({200, 206}), what=f"blob {self._digest}"
        )
        if self._pos and response.status == 200:  # no range support: skip what we have
            left = self._pos
            while left:
                chunk = response.raw.read(min(left, 1 << 20))
                if not chunk:
                    break
                left -= len(chunk)
        length = response.headers.get("Content-Length")
        declared = int(length) if length is not None and length.isdigit() else self._size
        if response.status == 200 and declared != self._size:
            response.close()
            raise RegistryError(
                f"{self._client.display}: blob {self._digest} is {length} bytes, the "
                f"manifest says {self._size}",
                hint="the registry holds a damaged blob, or the manifest is wrong",
            )
        return response

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        while True:
            try:
                if self._response is None:
                    self._response = self._open()
                n = self._response.raw.readinto(view[:want]) or 0
                cause: BaseException | None = None
            except (OSError, http.client.HTTPException) as exc:
                n, cause = 0, exc
            if n:
                self._pos += n
                self._client.count(n)
                return n
            self._resume(cause)

    def _resume(self, cause: BaseException | None) -> None:
        """The answer ended before the blob did: try again from where it stopped."""
        if self._response is not None:
            self._response.close()
            self._response = None
        self._failures += 1
        policy = self._client.transport.retry
        if self._failures >= policy.attempts:
            why = f": {_describe(cause)}" if cause is not None else ""
            raise RegistryError(
                f"{self._client.display}: blob {self._digest} cut short: {self._pos} of "
                f"{self._size} bytes arrived{why} (after {self._failures} tries)",
                hint="the registry or the network dropped the transfer; try again",
            ) from cause
        sleep(policy.delay(self._failures))

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None
        super().close()
