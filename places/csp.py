"""Inline scripts allowed by their hash (CSP's 'sha256-...') instead of a
nonce: a page whose only inline scripts are always the same bytes (the import
map) has the same Content-Security-Policy for every visitor, so a shared cache
(`make serve`'s nginx) may keep it; a nonce would be one visitor's."""

import base64
import hashlib


def allow_inline_script(request, body):
    """Let the response to ``request`` run an inline script of exactly ``body``."""
    if request is None:
        return
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    hashes = request.__dict__.setdefault("_inline_script_hashes", [])
    if f"'sha256-{digest}'" not in hashes:
        hashes.append(f"'sha256-{digest}'")


class InlineScriptHashes:
    """Adds the hashes allow_inline_script() recorded to script-src, through
    django-csp's per-response update. Goes after csp.middleware.CSPMiddleware
    (its response passes through here first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        hashes = getattr(request, "_inline_script_hashes", None)
        if hashes:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["script-src"] = [*update.get("script-src", []), *hashes]
            response._csp_update = update
        return response
