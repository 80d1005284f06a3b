"""Behind `make serve`'s nginx (.ci/nginx.conf), gunicorn hears every request
from the proxy, on a Unix socket: REMOTE_ADDR is empty. The proxy passes the
client's address in X-Real-IP (set by nginx itself, whatever the client sent),
which becomes REMOTE_ADDR, so that sign-in throttling (geoconfig.auth) counts
each client apart."""

from ipaddress import ip_address


class RealClientAddress:
    """REMOTE_ADDR from X-Real-IP. Installed only when TRUST_X_REAL_IP is set:
    when nothing but the proxy can reach gunicorn."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = request.META.get("HTTP_X_REAL_IP", "").strip()
        try:
            request.META["REMOTE_ADDR"] = str(ip_address(address))
        except ValueError:
            pass
        return self.get_response(request)
