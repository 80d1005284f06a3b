from django.urls import path

from . import api, people_api

api_urlpatterns = [
    path("studygroups/", api.StudyGroupListView.as_view(), name="studygroup-list"),
    path("studygroups/<int:pk>/", api.StudyGroupDetailView.as_view(), name="studygroup-detail"),
    path("people/<int:pk>/", people_api.PersonView.as_view(), name="person-detail"),
]
