"""Posts in the admin: moderators see every conversation, organizers their
groups' (and their groups' events'); both remove posts, which leaves the
tombstone the site shows. Nobody writes or edits posts here."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from studygroups.admin import OrganizerScopedAdmin
from studygroups.permissions import organized_group_ids

from .people import display_name
from .post_permissions import thread_owner
from .post_services import post_remove
from .posts import Post


@admin.register(Post)
class PostAdmin(OrganizerScopedAdmin, admin.ModelAdmin):
    list_display = [
        "excerpt", "author_name", "thread", "is_reply", "status", "pinned", "created_at"
    ]
    list_filter = ["status", "pinned", "created_at"]
    search_fields = ["body", "author__username"]
    list_select_related = ["author__profile", "thread__study_group", "thread__event"]
    readonly_fields = [
        "thread", "parent", "author_name", "body", "pinned", "status", "removed_at",
        "removed_by_name",
        "created_at",
    ]
    fields = readonly_fields
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    actions = ["remove_posts"]

    def visible_to_organizer(self, queryset, user):
        groups = organized_group_ids(user)
        return queryset.filter(
            Q(thread__study_group__in=groups) | Q(thread__event__study_group__in=groups)
        )

    def study_group_of(self, obj):
        group, _event = thread_owner(obj.thread)
        return group.pk if group else None

    # By display name, never a username, which may be an email address
    # (studygroups.people), as on the site.
    @admin.display(description=_("author"))
    def author_name(self, obj):
        return display_name(obj.author) if obj.author_id else _("a former member")

    @admin.display(description=_("removed by"))
    def removed_by_name(self, obj):
        return display_name(obj.removed_by) if obj.removed_by_id else "-"

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        text = obj.body if obj.body else obj.get_status_display()
        return text[:80] + ("…" if len(text) > 80 else "")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Removal keeps the tombstone its replies need: the action below.
        return False

    @admin.action(description=_("Remove the selected posts (leaving a tombstone)"),
                  permissions=["change"])
    def remove_posts(self, request, queryset):
        removed = 0
        for post in queryset.select_related("thread__study_group", "thread__event__study_group"):
            if post.status == Post.Status.VISIBLE:
                post_remove(post, user=request.user)
                removed += 1
        self.message_user(
            request,
            ngettext("%(count)d post removed.", "%(count)d posts removed.", removed)
            % {"count": removed},
            messages.SUCCESS,
        )
