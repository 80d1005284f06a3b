"""``{% conversation_thread owner %}`` (a study group or an event) draws its
conversation; ``post_text`` shows a post's plain text safely."""

from django import template
from django.utils.html import Urlizer
from django.utils.safestring import mark_safe

from places import parsers

from ..post_selectors import thread_context

register = template.Library()


class PostUrlizer(Urlizer):
    """Django's urlize, whose links say they are the users' (ugc), pass no
    ranking (nofollow) and give the opened page no handle on ours (noopener).
    Only http(s), www. and e-mail addresses become links: never javascript:."""

    url_template = '<a href="{href}" rel="nofollow ugc noopener">{url}</a>'


urlize_post = PostUrlizer()


@register.filter
def post_text(body):
    """A post's text as HTML: every character escaped, web addresses made
    links, line breaks kept."""
    html = urlize_post(str(body), trim_url_limit=60, autoescape=True)
    return mark_safe(html.replace("\n", "<br>"))


@register.inclusion_tag("conversation/thread.html", takes_context=True)
def conversation_thread(context, owner):
    request = context["request"]
    cursor = None
    token = request.GET.get("posts")
    if token:
        try:
            from ..post_querysets import cursor_keys

            cursor = cursor_keys(token, "posts")
        except parsers.InvalidParameter:
            cursor = None
    context_data = thread_context(
        request.user, owner, cursor, time_zone=context.get("group_time_zone")
    )
    return {**context_data, "request": request,
            "csrf_token": context.get("csrf_token")}
