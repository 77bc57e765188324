"""The small HTML pages the OAuth endpoints answer with: one layout, every value escaped, no script, no external file.

Responses carry headers that keep them out of caches, frames and Referer headers (the callback URL holds a code).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from shared.oauth.outcomes import OutcomeInfo

SECURITY_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}

_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title} · Seller Sync</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.5rem}} .ok{{color:#1a7f37}} .fail{{color:#b42318}}
dl{{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}} dt{{font-weight:600}} dd{{margin:0}}
code{{background:#f3f3f3;padding:0 .2rem}} footer{{margin-top:2rem;color:#666;font-size:.85rem}}</style></head>
<body><main><h1 class="{kind}" id="title">{title}</h1>
{body}</main><footer>Seller Sync{reference}</footer></body></html>
"""


@dataclass(frozen=True)
class ConnectedPage:
    """What the success page shows."""

    reauthorized: bool
    selling_partner_id: str
    connection_id: str
    region: str
    marketplaces: Sequence[tuple[str, str]]  # (marketplace id, "Country name")
    name: str
    reauthorize_by: str
    next_steps: Sequence[str] = field(default_factory=tuple)


def failure_page(info: OutcomeInfo, request_id: str | None = None, facts: Mapping[str, str] | None = None) -> str:
    """The page of a failed or cancelled attempt: what happened, the facts it names, and what to do."""
    body = f'<p id="message">{escape(info.message)}</p>\n'
    if facts:
        rows = "".join(
            f"<dt>{escape(label)}</dt><dd><code>{escape(value)}</code></dd>" for label, value in facts.items()
        )
        body += f'<dl id="facts">{rows}</dl>\n'
    body += f'<p id="next-step"><strong>What to do:</strong> {escape(info.next_step)}</p>'
    kind = "ok" if info.status < 400 else "fail"
    return _page(info.title, body, kind, request_id)


def connected_page(page: ConnectedPage, request_id: str | None = None) -> str:
    """The success page: Seller ID, region, marketplaces found and the next steps."""
    title = "Amazon account re-authorized" if page.reauthorized else "Amazon account connected"
    rows = [
        ("Seller ID", f'<code id="seller-id">{escape(page.selling_partner_id)}</code>'),
        ("Connection", f'<code id="connection-id">{escape(page.connection_id)}</code> ({escape(page.name)})'),
        ("Region", f'<span id="region">{escape(page.region)}</span>'),
        ("Re-authorize by", escape(page.reauthorize_by)),
    ]
    listed = "".join(f"<li><code>{escape(mid)}</code> {escape(label)}</li>" for mid, label in page.marketplaces)
    marketplaces = f'<ul id="marketplaces">{listed}</ul>' if listed else '<p id="marketplaces">none found</p>'
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    done = "re-authorized: it holds the new authorization" if page.reauthorized else "connected as a new connection"
    summary = (
        f'<p id="summary">Seller <strong>{escape(page.selling_partner_id)}</strong> (connection '
        f"<code>{escape(page.connection_id)}</code>) was {done}.</p>\n"
    )
    steps = "".join(f"<li>{escape(step)}</li>" for step in page.next_steps)
    body = (
        f"{summary}<dl>{details}</dl>\n<h2>Marketplaces found</h2>\n{marketplaces}\n"
        f'<h2>Next steps</h2>\n<ol id="next-steps">{steps}</ol>\n<p>You can close this page.</p>'
    )
    return _page(title, body, "ok", request_id)


def _page(title: str, body: str, kind: str, request_id: str | None) -> str:
    reference = f" · reference <code>{escape(request_id)}</code>" if request_id else ""
    return _LAYOUT.format(title=escape(title), body=body, kind=kind, reference=reference)
