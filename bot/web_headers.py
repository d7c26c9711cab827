"""What the app's own pages (the office's /admin, the liaison /console) send with every answer."""
from __future__ import annotations

# Nothing from elsewhere and nothing inline: scripts and styles are files under /static.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def harden(response):
    """No framing, no sniffing, nothing loaded from elsewhere, no referrer to other sites."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
