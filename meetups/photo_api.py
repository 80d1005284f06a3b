"""An event's photos under /api/events/<id>/photos/: list them (thumbnail
URLs), add one (multipart), delete one."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from places.errors import error_response
from places.images import thumbnail, too_large_error, upload_too_large
from places.views import APIView
from studygroups.people import display_name

from .models import Event, EventPhoto
from .services import event_photo_add, event_photo_delete


class PictureSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("Absolute URL of the picture."))
    width = serializers.IntegerField(help_text=_("Width in pixels."))
    height = serializers.IntegerField(help_text=_("Height in pixels."))


class EventPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField(help_text=_("Plain text; escape it before showing it."))
    uploader = serializers.CharField(
        help_text=_("The name of the person who added it (never an email address).")
    )
    created_at = serializers.DateTimeField()
    thumbnail = PictureSerializer(
        allow_null=True, help_text=_("A 320×320 square crop; null when it cannot be made.")
    )
    large = PictureSerializer(
        allow_null=True, help_text=_("At most 1600 pixels on its longer side.")
    )
    page = serializers.URLField(help_text=_("The photo's page on the site."))


class EventPhotoListSerializer(serializers.Serializer):
    photos = EventPhotoSerializer(many=True, help_text=_("Oldest first."))
    max_photos = serializers.IntegerField(help_text=_("Most photos an event may have."))


class EventPhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text=_("A JPEG, PNG or WebP picture; stored re-encoded, without metadata.")
    )
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)


def picture(request, field_file, kind):
    thumb = thumbnail(field_file, kind)
    # sorl answers a file it cannot read with a picture of no size (found on
    # the bench's photos, whose files were not there): none, not a 500.
    if thumb is None or not thumb.size:
        return None
    return {
        "url": request.build_absolute_uri(thumb.url),
        "width": thumb.width,
        "height": thumb.height,
    }


def photo_data(request, photo):
    return {
        "id": photo.pk,
        "caption": photo.caption,
        "uploader": str(display_name(photo.uploader)),
        "created_at": photo.created_at,
        "thumbnail": picture(request, photo.image, "photo"),
        "large": picture(request, photo.image, "large"),
        "page": request.build_absolute_uri(photo.get_absolute_url()),
    }


class EventPhotoListView(APIView):
    """The photos people who went added to an event."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Refused from its length, before DRF reads the body to authenticate.
        self.too_large = request.method == "POST" and upload_too_large(request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="event_photos_list",
        summary="The event's photos",
        responses={
            200: EventPhotoListSerializer,
            404: OpenApiResponse(description="No such event."),
        },
    )
    def get(self, request, pk):
        event = get_object_or_404(Event, pk=pk)
        photos = event.photos.select_related("uploader__profile")[: settings.EVENT_PHOTOS_MAX]
        return Response(
            {
                "photos": [photo_data(request, photo) for photo in photos],
                "max_photos": settings.EVENT_PHOTOS_MAX,
            }
        )

    @extend_schema(
        operation_id="event_photos_create",
        summary="Add a photo to the event",
        description=(
            "Multipart: `image` (a JPEG, PNG or WebP picture, checked by its content, "
            "within the size and pixel limits) and an optional `caption`. Only people "
            "who answered they were going may add photos, once the event has started "
            "(403 with a code otherwise). The stored picture is re-encoded without any "
            "metadata (no EXIF, no GPS position)."
        ),
        request={"multipart/form-data": EventPhotoUploadSerializer},
        responses={
            201: EventPhotoSerializer,
            400: OpenApiResponse(description="`image` is not an accepted picture (`parameter`)."),
            403: OpenApiResponse(
                description="Not allowed: `not_going`, `event_not_started`, `event_cancelled`."
            ),
            404: OpenApiResponse(description="No such event."),
            409: OpenApiResponse(
                description="The event, or you, already have as many photos as allowed "
                "(`too_many_photos`, `too_many_photos_by_you`)."
            ),
            413: OpenApiResponse(description="The picture is larger than the site takes."),
        },
    )
    def post(self, request, pk):
        event = get_object_or_404(Event, pk=pk)
        if self.too_large or upload_too_large(request):
            return error_response(
                413, too_large_error().messages[0], code="PayloadTooLarge", parameter="image"
            )
        upload = EventPhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            photo = event_photo_add(
                event=event,
                uploader=request.user,
                image=upload.validated_data["image"],
                caption=upload.validated_data.get("caption", ""),
            )
        except DjangoValidationError as exc:
            if exc.code.startswith("image_"):
                return error_response(
                    400, exc.messages[0], code="InvalidFieldValue", parameter="image",
                    errors={"image": exc.messages},
                )
            status = 409 if exc.code.startswith("too_many") else 403
            return error_response(status, exc.messages[0], code=exc.code)
        return Response(photo_data(request, photo), status=201)


class EventPhotoDetailView(APIView):
    """One photo of an event."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    def photo(self, pk, photo_pk):
        return get_object_or_404(
            EventPhoto.objects.select_related("uploader__profile", "event"),
            pk=photo_pk,
            event_id=pk,
        )

    @extend_schema(
        operation_id="event_photo_retrieve",
        summary="One photo of the event",
        responses={200: EventPhotoSerializer, 404: OpenApiResponse(description="No such photo.")},
    )
    def get(self, request, pk, photo_pk):
        return Response(photo_data(request, self.photo(pk, photo_pk)))

    @extend_schema(
        operation_id="event_photo_delete",
        summary="Delete a photo",
        description="Its uploader, the organizers of the event's group and moderators may.",
        responses={
            204: OpenApiResponse(description="Deleted."),
            403: OpenApiResponse(description="Not yours to delete."),
            404: OpenApiResponse(description="No such photo."),
        },
    )
    def delete(self, request, pk, photo_pk):
        photo = self.photo(pk, photo_pk)
        try:
            event_photo_delete(photo, actor=request.user)
        except DjangoPermissionDenied as exc:
            return error_response(403, str(exc))
        return Response(status=204)
