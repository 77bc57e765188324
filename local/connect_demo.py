"""A seller's browser, scripted: open a connect link, click Authorize on the sandbox consent page, follow Amazon back.

Plain HTTP (requests), the same hops a browser takes; the demo uses it to connect a sandbox seller through the real
flow, and the browser test does the same clicks in Chromium.
"""

import re
from dataclasses import dataclass
from html import unescape

import requests

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_SELLER = re.compile(r'<code id="seller-id">([^<]+)</code>')
_TITLE = re.compile(r'id="title">([^<]+)</h1>')


class ConnectFlowError(RuntimeError):
    """A hop of the flow did not answer as expected."""


@dataclass(frozen=True)
class ConnectResult:
    """What the seller's browser ended on."""

    status: int
    title: str
    selling_partner_id: str | None
    hops: list[str]


def click_through(link: str, decision: str = "authorize", timeout: float = 60) -> ConnectResult:
    """Opens the link, answers the consent page with `decision` and follows redirects to our final page."""
    session = requests.Session()
    hops: list[str] = []
    response = session.get(link, allow_redirects=False, timeout=timeout)
    while response.status_code in (301, 302, 303):
        hops.append(response.headers["Location"].split("?")[0])
        response = session.get(response.headers["Location"], allow_redirects=False, timeout=timeout)
    fields = {name: unescape(value) for name, value in _HIDDEN.findall(response.text)}
    if response.status_code != 200 or "state" not in fields:
        raise ConnectFlowError(f"no consent page at {response.url}: HTTP {response.status_code}")
    response = session.post(response.url, data={**fields, "decision": decision}, allow_redirects=False, timeout=timeout)
    while response.status_code in (301, 302, 303):
        hops.append(response.headers["Location"].split("?")[0])
        response = session.get(response.headers["Location"], allow_redirects=False, timeout=timeout)
    title = _TITLE.search(response.text)
    seller = _SELLER.search(response.text)
    return ConnectResult(
        status=response.status_code,
        title=unescape(title.group(1)) if title else "",
        selling_partner_id=seller.group(1) if seller else None,
        hops=hops,
    )
