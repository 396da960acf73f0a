"""Reading a page and its style sheets from the network, for `url` requests.

Only http(s); at most 2 MB per file, 10 linked style sheets, 10 s per request. Addresses that are not public
(loopback, private networks, link-local such as cloud metadata services) are refused unless
DESIGN_TOKENS_ALLOW_PRIVATE_URLS is true, also when a redirect leads there.
"""

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Tuple

MAX_BYTES = 2 * 1024 * 1024
MAX_STYLESHEETS = 10
TIMEOUT_SECONDS = 10.0


class FetchError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_address(url: str, allow_private: bool) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(422, f"{url!r} is not an http(s) URL")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(502, f"cannot resolve {parts.hostname}: {error}")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise FetchError(
                403, f"{parts.hostname} is a non-public address ({ip}); set DESIGN_TOKENS_ALLOW_PRIVATE_URLS to allow it"
            )


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        check_address(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def get(url: str, allow_private: bool) -> Tuple[str, str]:
    """(text, final URL) of one http(s) resource."""
    check_address(url, allow_private)
    opener = urllib.request.build_opener(CheckedRedirects(allow_private))
    request = urllib.request.Request(url, headers={"user-agent": "odoobo-design-tokens", "accept": "text/html,text/css,*/*"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_BYTES + 1)
            charset = response.headers.get_content_charset() or "utf-8"
            final = response.geturl()
    except FetchError:
        raise
    except urllib.error.HTTPError as error:
        raise FetchError(502, f"{url} answered HTTP {error.code}")
    except (socket.timeout, TimeoutError):
        raise FetchError(504, f"{url} did not answer within {TIMEOUT_SECONDS:g} s")
    except (urllib.error.URLError, OSError) as error:
        raise FetchError(502, f"cannot read {url}: {getattr(error, 'reason', error)}")
    if len(body) > MAX_BYTES:
        raise FetchError(422, f"{url} is larger than {MAX_BYTES} bytes")
    try:
        return body.decode(charset, "replace"), final
    except LookupError:
        return body.decode("utf-8", "replace"), final
