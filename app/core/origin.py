"""CSRF protection for the JSON API: a browser's unsafe request must come from our own pages.

JSON bodies cannot be sent cross-site without a CORS preflight (which this app never
grants), and the cookie is SameSite=Lax; on top, any POST/PUT/PATCH/DELETE whose Origin
names another site (another host, port or scheme) is refused. HTML forms carry a CSRF token as
well (see the auth pages).
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import same_origin

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class OriginCheckMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if not same_origin(headers.get("origin"), headers.get("host"), scope.get("scheme", "http")):
                body = b'{"detail":"cross-site request refused"}'
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
