from django.urls import path

from . import api, people_api, report_views

api_urlpatterns = [
    path("studygroups/", api.StudyGroupListView.as_view(), name="studygroup-list"),
    path("studygroups/<int:pk>/", api.StudyGroupDetailView.as_view(), name="studygroup-detail"),
    path("people/<int:pk>/", people_api.PersonView.as_view(), name="person-detail"),
    path("reports/", report_views.ReportCreateView.as_view(), name="report-create"),
]

# The report form and its thanks (studygroups.report_views).
page_urlpatterns = [
    path("report/sent/", report_views.report_sent, name="report-sent"),
    path("report/<slug:kind>/<int:pk>/", report_views.report_page, name="report-new"),
]
