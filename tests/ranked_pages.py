"""A ranked API list read through every next link twice: as served (the
kind's ``first_matches``: name or title words) and ranked over every match
(``first_matches`` switched off), the oracle of the words' tests."""

from places.api import FeatureQuery


def api_pages(client, path, params):
    """Every page of the list at ``path`` with ``params``, through its next
    links: [(ids, numberMatched)]."""
    pages, url = [], path
    while url:
        body = client.get(url, params if not pages else None).json()
        pages.append(([f["id"] for f in body["features"]], body.get("numberMatched")))
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return pages


def pages_both_ways(client, monkeypatch, path, kind, params):
    """(pages as served, pages ranked over every match, and for each request
    as served whether ``FeatureQuery.first_rows`` answered it) of the list of
    ``kind`` (a FeatureKind class) at ``path``."""
    served = []
    first_rows = FeatureQuery.first_rows

    def spy(self):
        rows = first_rows(self)
        served.append(rows is not None)
        return rows

    monkeypatch.setattr(FeatureQuery, "first_rows", spy)
    fast = api_pages(client, path, params)
    monkeypatch.setattr(kind, "first_matches", lambda *args: None)
    return fast, api_pages(client, path, params), served
