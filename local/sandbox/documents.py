"""Feed and report documents behind presigned-style URLs the sandbox serves itself (S3 stands behind them at Amazon).

A URL carries its expiry and an HMAC; it lives 5 minutes of sandbox time, like Amazon's. An upload must use the
content type given to createFeedDocument (the real URL's signature covers it).
"""

import hashlib
import hmac
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from local.sandbox.clock import iso
from local.sandbox.lwa import sandbox_of_app
from local.sandbox.records import Document
from local.sandbox.world import Sandbox

blueprint = Blueprint("documents", __name__)
URL_SECONDS = 300
FEED_INPUT = "feed-input"


def presigned_url(sandbox: Sandbox, base_url: str, document: Document, action: str) -> str:
    """A URL valid for URL_SECONDS of sandbox time for one action ('PUT' upload or 'GET' download)."""
    issued = int(sandbox.now())
    query = {
        "X-Amz-Date": iso(issued).replace("-", "").replace(":", ""),
        "X-Amz-Expires": str(URL_SECONDS),
        "X-Sandbox-Issued": str(issued),
        "X-Amz-Signature": _signature(sandbox, document.document_id, action, issued),
    }
    return f"{base_url}/_documents/{document.document_id}?{urlencode(query)}"


@blueprint.put("/_documents/<document_id>")
def upload(document_id: str) -> Response:
    """PUT of a feed document's content."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        document = sandbox.state.documents.get(document_id)
        problem = _check(sandbox, document, "PUT")
        if problem is not None:
            return problem
        assert document is not None
        if document.kind != FEED_INPUT:
            return _s3_error(403, "AccessDenied", "Access Denied")
        if _normalize(request.content_type or "") != _normalize(document.content_type):
            return _s3_error(403, "SignatureDoesNotMatch", "The Content-Type does not match the one of the document.")
        document.content = request.get_data()
    return Response(status=200, headers={"ETag": f'"{hashlib.md5(document.content).hexdigest()}"'})


@blueprint.get("/_documents/<document_id>")
def download(document_id: str) -> Response:
    """GET of a report or feed result document (gzip bytes when the document says GZIP)."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        document = sandbox.state.documents.get(document_id)
        problem = _check(sandbox, document, "GET")
        if problem is not None:
            return problem
        assert document is not None
        content = document.content or b""
    return Response(content, status=200, content_type=document.content_type)


def _check(sandbox: Sandbox, document: Document | None, action: str) -> Response | None:
    if document is None:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    try:
        issued = int(request.args.get("X-Sandbox-Issued", ""))
    except ValueError:
        return _s3_error(403, "AccessDenied", "Query-string authentication requires the signature parameters.")
    expected = _signature(sandbox, document.document_id, action, issued)
    if not hmac.compare_digest(expected, request.args.get("X-Amz-Signature", "")):
        return _s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
    if sandbox.now() > issued + URL_SECONDS:
        return _s3_error(403, "AccessDenied", "Request has expired")
    return None


def _signature(sandbox: Sandbox, document_id: str, action: str, issued: int) -> str:
    message = f"{action}\n{document_id}\n{issued}".encode()
    return hmac.new(sandbox.url_secret, message, hashlib.sha256).hexdigest()


def _normalize(content_type: str) -> str:
    return content_type.replace(" ", "").lower()


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(body, status=status, content_type="application/xml")
