"""The site's own page for a request with the wrong method."""

from django.template.response import TemplateResponse

# The API and OGC API answer in JSON (Django REST framework) themselves.
JSON_PREFIXES = ("/api/", "/ogc/")


class MethodNotAllowedPage:
    """Django's require_POST and LogoutView answer a GET with an empty 405: a
    blank page for someone who followed a bookmark to /accounts/logout/. Give
    it the site's error page (with a way to log out there), keeping the 405
    and its Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.content
            or request.path.startswith(JSON_PREFIXES)
            or request.method == "HEAD"
        ):
            return response
        page = TemplateResponse(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page.render()
