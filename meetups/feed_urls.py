"""iCalendar (RFC 5545) feeds."""

urlpatterns = []
