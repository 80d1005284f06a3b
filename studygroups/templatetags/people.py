"""``{{ user|display_name }}``: what others call a member (never their email)."""

from django import template

from studygroups import people

register = template.Library()


@register.filter
def display_name(user):
    return people.display_name(user)
