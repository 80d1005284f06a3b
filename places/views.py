"""The base of Cerca's DRF views.

DRF leaves every request in reference cycles: the view keeps its request,
whose ``parser_context`` keeps the view, and the view keeps the response
(``self.response``); a DRF ``Response`` also keeps itself through its
``renderer_context``. Such cycles are freed only by Python's cyclic garbage
collector, whose oldest generation runs rarely, so a worker serving large
lists (megabytes of GeoJSON each) held dozens of bodies at once and grew from
93 to over 300 MiB. Cutting the response out of the cycles frees its body as
soon as the server has sent it (bench/worker_memory.py measures it).
"""

from rest_framework import views
from rest_framework.response import Response


class APIView(views.APIView):
    """DRF's ``APIView``, whose responses are freed once sent."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # The handler holds the response from here on; the view need not.
        self.__dict__.pop("response", None)
        if isinstance(response, Response):
            # Rendering needs the context (rendered after this returns);
            # closing, after the body is sent, breaks its cycle.
            response._resource_closers.append(self.forget_renderer_context(response))
        return response

    @staticmethod
    def forget_renderer_context(response):
        def forget():
            response.renderer_context = None

        return forget
