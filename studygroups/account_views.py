"""A member's API token: made, shown once and revoked on their settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework.authtoken.models import Token


@never_cache
@login_required
def api_token_view(request):
    """GET: whether the member has a token. POST ``action=create``: a new
    token (the old one stops working), shown on this response only; POST
    ``action=revoke``: no token any more."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            Token.objects.filter(user=request.user).delete()
            token = Token.objects.create(user=request.user)
            new_key = token.key
        elif action == "revoke":
            Token.objects.filter(user=request.user).delete()
            messages.success(request, _("Your API token was revoked."))
            return redirect("api-token")
        else:
            messages.error(request, _("Choose to create or to revoke the token."))
            return redirect("api-token")
    return render(request, "registration/api_token.html", {"token": token, "new_key": new_key})
