"""Content negotiation by ``Accept`` alone.

DRF also chooses a renderer by a ``?format=`` query parameter, and answers a
value it has no renderer for (``format=xml``, ``format=csv``) with a 404 that
names nothing, before the view has looked at its parameters. Here ``format``
is a parameter like any other: a view that knows its own answers it with a 400
naming it, as it does ``formatt``. The OGC API's ``f`` and the exports' own
formats are the views' parameters, not this.
"""

from types import SimpleNamespace

from rest_framework.negotiation import DefaultContentNegotiation


class AcceptOnly(DefaultContentNegotiation):
    # DefaultContentNegotiation reads the parameter's name from here alone.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)
