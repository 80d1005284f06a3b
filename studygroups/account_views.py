"""A member's API token (made, shown once, revoked on their settings) and
the confirmation of their email address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from .models import EmailVerification
from .services import email_verification_start, email_verify

# A member asks for a new confirmation link at most this often.
RESEND_EVERY_S = 60


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


@never_cache
def email_verify_view(request, token):
    """The link of the confirmation email: GET asks to confirm (mail scanners
    that open links confirm nothing), POST confirms."""
    if request.method != "POST":
        return render(request, "registration/email_verify.html", {"token": token})
    try:
        user = email_verify(token)
    except ValidationError as exc:
        return render(
            request, "registration/email_verify.html", {"error": exc.messages[0]}, status=400
        )
    return render(request, "registration/email_verify.html", {"confirmed": user})


@require_POST
@login_required
def email_verification_resend_view(request):
    """Mail the signed-in member a new confirmation link (once a minute)."""
    if not EmailVerification.objects.filter(user=request.user).exists():
        messages.info(request, _("Your email address is already confirmed."))
    elif cache.add(f"email-verification-resend:{request.user.pk}", 1, RESEND_EVERY_S):
        email_verification_start(request.user)
        messages.success(request, _("We sent you a new link to confirm your email address."))
    else:
        messages.error(request, _("We sent a link a moment ago: wait a minute and try again."))
    return redirect("profile")
