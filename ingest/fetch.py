"""Fetching one web address safely: public hosts only, bounded redirects, time and size.

Every hop of a redirect chain is checked again (scheme and address), so a
public link cannot bounce the fetcher onto a machine inside the network.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import httpx

from .config import IngestSettings
from .messages import IngestProblem

USER_AGENT = "storybot/0.1 (news question answering; +https://github.com/)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(:\d+)?([/?#]|$)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
READ_TIMEOUTS = 2  # a whole body may take this many per-step timeouts, however it trickles in
# Share of replacement characters above which a declared charset is taken to be wrong.
MAX_BAD_CHARS = 0.005


@dataclass(frozen=True)
class Page:
    """A fetched resource: the address it was finally read from, its type and its bytes."""

    url: str
    content_type: str  # media type, lower case, without parameters ("" when not sent)
    charset: str | None  # from the Content-Type header
    body: bytes


def parse_link(text: str) -> str:
    """An http(s) address from what an operator typed; IngestProblem for anything else.

    A bare host and path ("vnexpress.net/bai.html") gets https:// in front, as a browser would.
    """
    link = text.strip().strip("<>")
    if _BARE_HOST.match(link) and "://" not in link:
        link = "https://" + link
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise IngestProblem("bad_url", url=text.strip()) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestProblem("not_http", url=text.strip())
    if not parts.hostname or any(c.isspace() for c in link):
        raise IngestProblem("bad_url", url=text.strip())
    return link


def check_public(url: str) -> None:
    """IngestProblem unless every address `url`'s host resolves to is a public one."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise IngestProblem("unreachable", url=url, reason="dns", host=host) from None
    for info in infos:
        _check_address(url, str(info[4][0]))


def _check_address(url: str, value: str) -> None:
    address = ipaddress.ip_address(value.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        raise IngestProblem("private_address", url=url, address=str(address))


def fetch(url: str, settings: IngestSettings, *, accept: str = "text/html,application/xhtml+xml") -> Page:
    """GET `url`, following at most `settings.max_redirects` redirects; IngestProblem says what went wrong."""
    timeout = httpx.Timeout(settings.timeout)
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Language": "vi,en;q=0.8"}
    current = url
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False, trust_env=False) as client:
        for _ in range(settings.max_redirects + 1):
            current = parse_link(current)
            if not settings.allow_private_urls:
                check_public(current)
            try:
                with client.stream("GET", current) as response:
                    if not settings.allow_private_urls:
                        # The address actually connected to, in case the name resolved differently
                        # this time (DNS rebinding): nothing from a private address is read.
                        stream = response.extensions.get("network_stream")
                        peer = stream.get_extra_info("server_addr") if stream is not None else None
                        if peer:
                            _check_address(current, str(peer[0]))
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise IngestProblem("http_error", url=url, status=response.status_code)
                    return _read(url, response, settings)
            except httpx.TimeoutException:
                raise IngestProblem("unreachable", url=url, reason="timeout", seconds=f"{settings.timeout:g}") from None
            except httpx.TooManyRedirects:
                raise IngestProblem("too_many_redirects", url=url, limit=settings.max_redirects) from None
            except (httpx.InvalidURL, UnicodeError):
                raise IngestProblem("bad_url", url=url) from None
            except httpx.HTTPError as err:
                host = urlsplit(current).hostname
                raise IngestProblem("unreachable", url=url, reason=_network_reason(err), host=host) from None
    raise IngestProblem("too_many_redirects", url=url, limit=settings.max_redirects)


def _read(url: str, response: httpx.Response, settings: IngestSettings) -> Page:
    """The body of `response`, within the size cap and an overall time limit (a server may trickle)."""
    limit = settings.max_bytes
    media, _, params = response.headers.get("content-type", "").partition(";")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise IngestProblem("too_large", url=url, limit=limit // 1_000_000)
    deadline = time.monotonic() + READ_TIMEOUTS * settings.timeout
    body = bytearray()
    for piece in response.iter_bytes():
        body.extend(piece)
        if len(body) > limit:
            raise IngestProblem("too_large", url=url, limit=limit // 1_000_000)
        if time.monotonic() > deadline:
            seconds = f"{READ_TIMEOUTS * settings.timeout:g}"
            raise IngestProblem("unreachable", url=url, reason="timeout", seconds=seconds)
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.IGNORECASE)
    return Page(str(response.url), media.strip().lower(), match.group(1) if match else None, bytes(body))


def _network_reason(err: httpx.HTTPError) -> str:
    """The code of a network failure's reason (messages "reason_<code>")."""
    text = str(err).lower()
    if isinstance(err, httpx.ConnectError):
        if "name or service" in text or "nodename" in text or "resolution" in text:
            return "dns"
        if "certificate" in text or "ssl" in text:
            return "tls"
        return "refused"
    return "closed"


def check_html(page: Page, url: str) -> None:
    """IngestProblem("not_html") unless `page` is an HTML document (by its type, or by a look when untyped)."""
    if page.content_type in HTML_TYPES:
        return
    head = page.body[:1024].lstrip().lower()
    untyped = page.content_type in ("", "application/octet-stream", "text/plain")
    if untyped and (head.startswith((b"<!doctype html", b"<html")) or b"<html" in head):
        return
    raise IngestProblem("not_html", url=url, kind=page.content_type or "an untyped file")


def decode_html(page: Page, url: str) -> str:
    """The page's text, decoded by its byte-order mark, declared charset, UTF-8, or detection.

    Vietnamese sites still serve windows-1258 or other legacy charsets, declared
    in the header or a <meta> tag; a page that declares none is tried as UTF-8
    and then detected from its bytes.
    """
    body = page.body
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    declared = [page.charset, meta.group(1).decode("ascii") if meta else None]
    for name in declared:
        codec = _codec(name)
        if codec is None:
            continue
        text = body.decode(codec, errors="replace")
        if text.count("\ufffd") <= MAX_BAD_CHARS * max(len(text), 1):
            return text
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body).best()
    if best is None:
        raise IngestProblem("undecodable", url=url, charset=next((n for n in declared if n), "unknown"))
    return str(best)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
        name = "windows-1252"  # as browsers do (WHATWG Encoding)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
