"""The admin of imports (places.ImportJob): organizers and moderators upload
a file, a worker imports it (places.tasks.import_run) and the job's page
shows a progress bar that polls the job, then the per-row report.

It lives here, not in ``places``, because who may import what is a rule of
study groups: organizers import into the groups they organize, moderators
anywhere."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from places.imports import DRIVERS, import_targets
from places.models import ImportJob
from places.tasks import import_run
from studygroups.permissions import is_moderator, organized_groups

# How many problems the job's page lists; the rest are counted.
PROBLEMS_SHOWN = 200


def may_import(user):
    """Moderators and organizers import places."""
    return user.is_active and user.is_staff and (
        is_moderator(user) or organized_groups(user).exists()
    )


class ImportJobForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("file"),
        help_text=_(
            "GeoJSON, CSV (lon and lat, or WKT columns), GeoPackage, KML or a zipped Shapefile."
        ),
    )
    kind = forms.ChoiceField(label=_("what to import"))
    source = forms.CharField(
        label=_("source"), required=False, max_length=200,
        help_text=_("Where the rows come from (default: the file's name); "
                    "the same source and id are never imported twice."),
    )
    study_group = forms.ModelChoiceField(
        queryset=None, required=False, label=_("study group"),
        help_text=_("Venues: the group whose organizers manage them."),
    )
    capacity = forms.IntegerField(
        label=_("capacity"), required=False, min_value=1,
        help_text=_("For rows without a capacity."),
    )

    class Meta:
        model = ImportJob
        fields = ["upload", "kind", "source", "source_srs", "mode", "study_group", "capacity"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["kind"].choices = [
            (kind, target.label) for kind, target in import_targets().items()
        ]
        moderator = is_moderator(request.user)
        self.fields["study_group"].queryset = (
            organized_groups(request.user).model.objects.all() if moderator
            else organized_groups(request.user)
        )

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in DRIVERS:
            raise forms.ValidationError(
                _("Cerca cannot import %(suffix)s files. Use one of: %(known)s."),
                params={"suffix": suffix or "-", "known": ", ".join(sorted(DRIVERS))},
            )
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."),
                params={"size": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == "venue"
            and not cleaned.get("study_group")
            and not is_moderator(self.request.user)
        ):
            self.add_error("study_group", _("Choose the group the venues belong to."))
        return cleaned


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "file_name", "kind", "status", "progress", "created_rows", "duplicate_rows",
        "problem_rows", "created_by", "created_at",
    ]
    list_filter = ["status", "kind"]
    readonly_fields = [
        "file_name", "kind", "source", "source_srs", "mode", "status", "progress",
        "total_rows", "created_rows", "duplicate_rows", "problem_rows", "error",
        "created_by", "created_at", "started_at", "finished_at",
    ]
    change_form_template = "admin/places/importjob/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("file_data").select_related("created_by")
        if is_moderator(request.user):
            return queryset
        return queryset.filter(created_by=request.user)

    def has_module_permission(self, request):
        return may_import(request.user)

    def has_view_permission(self, request, obj=None):
        return may_import(request.user)

    def has_add_permission(self, request):
        return may_import(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_moderator(request.user)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        form = ImportJobForm

        class RequestForm(form):
            def __new__(cls, *args, **kw):
                return form(*args, request=request, **kw)

        return RequestForm

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ImportJobForm.Meta.fields})]
        return [(None, {"fields": self.readonly_fields})]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data["upload"]
        obj.file_name = Path(upload.name).name[:255]
        obj.file_data = upload.read()
        obj.kind = form.cleaned_data["kind"]
        obj.source = form.cleaned_data["source"] or obj.file_name
        obj.options = {"defaults": {}}
        if form.cleaned_data.get("capacity"):
            obj.options["defaults"]["capacity"] = form.cleaned_data["capacity"]
        if form.cleaned_data.get("study_group"):
            obj.options["study_group"] = form.cleaned_data["study_group"].pk
        obj.created_by = request.user
        obj.language = get_language() or settings.LANGUAGE_CODE
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: import_run.delay(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the job's page, where its progress shows.
        return HttpResponseRedirect(reverse("admin:places_importjob_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(self.get_queryset(request), pk=object_id)
        extra_context = {
            **(extra_context or {}),
            "job": job,
            "problems": job.problems.all()[:PROBLEMS_SHOWN],
            "problems_hidden": max(0, job.problem_rows - PROBLEMS_SHOWN),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="places_importjob_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, pk):
        """The job's progress as JSON, for the page's progress bar."""
        if not self.has_view_permission(request):
            return JsonResponse({"detail": "forbidden"}, status=403)
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        return JsonResponse({
            "status": job.status,
            "status_display": str(job.get_status_display()),
            "progress": job.progress,
            "total_rows": job.total_rows,
            "created_rows": job.created_rows,
            "duplicate_rows": job.duplicate_rows,
            "problem_rows": job.problem_rows,
            "error": job.error,
            "finished": job.finished,
        })
