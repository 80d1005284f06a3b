from django.urls import path

from . import post_api as api
from . import post_views as views

api_urlpatterns = [
    path("studygroups/<int:pk>/posts/", api.GroupPostsView.as_view(), name="studygroup-posts"),
    path("events/<int:pk>/posts/", api.EventPostsView.as_view(), name="event-posts"),
    path("posts/<int:pk>/", api.PostDetailView.as_view(), name="post-detail"),
    path("posts/<int:pk>/replies/", api.PostRepliesView.as_view(), name="post-replies"),
]

page_urlpatterns = [
    path(
        "conversation/groups/<int:pk>/posts/",
        views.post_create_view,
        {"kind": "group"},
        name="conversation-group-post",
    ),
    path(
        "conversation/events/<int:pk>/posts/",
        views.post_create_view,
        {"kind": "event"},
        name="conversation-event-post",
    ),
    path(
        "conversation/groups/<int:pk>/follow/",
        views.follow_view,
        {"kind": "group"},
        name="conversation-group-follow",
    ),
    path(
        "conversation/events/<int:pk>/follow/",
        views.follow_view,
        {"kind": "event"},
        name="conversation-event-follow",
    ),
    path(
        "conversation/posts/<int:pk>/replies/", views.replies_view, name="conversation-post-replies"
    ),
    path("conversation/posts/<int:pk>/pin/", views.pin_view, name="conversation-post-pin"),
    path("conversation/posts/<int:pk>/remove/", views.remove_view, name="conversation-post-remove"),
    path("conversation/posts/<int:pk>/delete/", views.delete_view, name="conversation-post-delete"),
]
