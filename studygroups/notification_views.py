"""A member's notification settings, and the one-click unsubscribe link that
every email carries (RFC 8058), which works without signing in."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .forms import NotificationSettingsForm
from .models import MemberProfile
from .notifications import preference_label, unsubscribe_read


def member_profile_get(user):
    """The member's profile, made on first use with the page's language for
    their emails."""
    language = (get_language() or "es")[:2]
    profile, _created = MemberProfile.objects.get_or_create(
        user=user, defaults={"language": language if language in ("es", "en") else "es"}
    )
    return profile


@never_cache
@login_required
def notification_settings(request):
    """Turn each kind of email on or off, and choose their language."""
    form = NotificationSettingsForm(request.POST or None, instance=member_profile_get(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("notification-settings")
    return render(request, "registration/notifications.html", {"form": form})


@csrf_exempt  # the signed token is the credential; mail clients POST without a cookie
@never_cache
def unsubscribe(request, token):
    """GET: ask to confirm; POST (the confirmation, or a mail client's
    one-click ``List-Unsubscribe=One-Click``): turn that kind of email off.
    A forged or altered token is a 400 that changes nothing."""
    found = unsubscribe_read(token)
    profile = None
    if found:
        user_id, preference = found
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        profile = member_profile_get(user) if user else None
    if profile is None:
        return render(request, "registration/unsubscribe.html", {"invalid": True}, status=400)
    context = {"label": preference_label(preference), "token": token}
    if request.method == "POST":
        MemberProfile.objects.filter(pk=profile.pk).update(**{preference: False})
        return render(request, "registration/unsubscribe.html", {**context, "done": True})
    return render(
        request,
        "registration/unsubscribe.html",
        {**context, "already_off": not getattr(profile, preference)},
    )
