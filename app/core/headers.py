"""Security headers on every answer: a page runs only this site's scripts (and its own small inline
data scripts, which carry a nonce fresh for each request), loads nothing from elsewhere, cannot be
framed by another site (clickjacking), and no answer is sniffed into another content type.

The API docs (/docs, /redoc) load their viewer from a CDN with an inline script, so they get every
header but the Content-Security-Policy.
"""

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PATHS = ("/docs", "/redoc")


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # 'self' covers ws:// and wss:// to this host (CSP level 3)
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp_nonce(state: object) -> str:
    """The nonce of this request's policy, for the templates' inline scripts."""
    return getattr(state, "csp_nonce", "")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        with_policy = not scope["path"].startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if with_policy:
                    headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
            await send(message)

        await self.app(scope, receive, send_with_headers)
