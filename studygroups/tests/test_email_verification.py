"""Email addresses are confirmed before anything is sent to them, and a
password reset leaves the request to a Celery task (no timing tells whether
an account exists)."""

import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from studygroups import tasks
from studygroups.models import Delivery, EmailVerification
from studygroups.notifications import deliveries_create_and_dispatch

from .factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "intrusa",
    "email": "lucia@example.org",
    "password1": "una-clave-larga-de-prueba-91",
    "password2": "una-clave-larga-de-prueba-91",
}


def verify_link(message):
    return re.search(r"http://[^/\s]+(/accounts/verify/\S+/)", message.body).group(1)


@pytest.fixture
def lucia(db):
    return UserFactory(username="lucia", email="lucia@example.org")


def test_signup_holds_the_address_until_its_link_is_opened(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {**SIGNUP, "email": "nueva@example.org"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="intrusa")
    assert EmailVerification.objects.filter(user=user, email="nueva@example.org").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nueva@example.org"]
    link = verify_link(mail.outbox[0])
    # Opening the link (a mail scanner does) confirms nothing; the button does.
    assert client.get(link).status_code == 200
    assert EmailVerification.objects.filter(user=user).exists()
    confirmed = client.post(link)
    assert confirmed.status_code == 200 and confirmed.context["confirmed"] == user
    assert not EmailVerification.objects.filter(user=user).exists()


def test_an_unconfirmed_address_gets_no_notifications(
    client, lucia, django_capture_on_commit_callbacks
):
    client.post("/accounts/signup/", SIGNUP)
    intruder = get_user_model().objects.get(username="intrusa")
    group = StudyGroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_create_and_dispatch(
            Delivery.Kind.JOIN_APPROVED, "membership:1", [intruder.pk], {"group_id": group.pk}
        )
    assert mail.outbox == []
    assert Delivery.objects.get(recipient=intruder).status == Delivery.Status.SKIPPED


def test_another_accounts_address_cannot_be_confirmed(
    client, lucia, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", SIGNUP)
    response = client.post(verify_link(mail.outbox[0]))
    assert response.status_code == 400
    assert EmailVerification.objects.filter(user__username="intrusa").exists()


def test_a_forged_link_is_refused(client):
    assert client.post("/accounts/verify/not-a-token/").status_code == 400


def test_a_reset_for_an_unconfirmed_address_sends_nothing(client, lucia):
    lucia.delete()
    client.post("/accounts/signup/", SIGNUP)
    mail.outbox.clear()
    client.post("/accounts/password_reset/", {"email": "lucia@example.org"})
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["lucia@example.org", "nadie@example.org"])
def test_the_reset_page_only_enqueues_the_same_task_for_any_address(client, lucia, email):
    """Known and unknown addresses run the same code up to the enqueue: no
    account lookup and no mail while the request waits."""
    enqueueing = mock.patch.object(tasks.password_reset_send, "delay")
    looking_up = mock.patch("django.contrib.auth.forms.PasswordResetForm.get_users")
    with enqueueing as enqueue, looking_up as lookup:
        response = client.post(
            "/accounts/password_reset/", {"email": email}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 302
    enqueue.assert_called_once_with(email, "testserver", False, "en")
    assert not lookup.called
    assert mail.outbox == []


def test_the_reset_task_mails_a_confirmed_account_and_nobody_else(lucia):
    tasks.password_reset_send("nadie@example.org", "testserver", False, "es")
    assert mail.outbox == []
    tasks.password_reset_send("lucia@example.org", "testserver", False, "es")
    assert [message.to for message in mail.outbox] == [["lucia@example.org"]]
    assert "http://testserver/accounts/reset/" in mail.outbox[0].body
