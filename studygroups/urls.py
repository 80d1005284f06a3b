from django.urls import path

from . import api

api_urlpatterns = [
    path("studygroups/", api.StudyGroupListView.as_view(), name="studygroup-list"),
    path("studygroups/<int:pk>/", api.StudyGroupDetailView.as_view(), name="studygroup-detail"),
]
