"""Spanish pages speak Spanish, English pages English, and the catalogs are
complete and say "tú"."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import translation

from geoconfig import overridden_strings
from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.models import MemberProfile, StudyGroup
from studygroups.tests.factories import StudyGroupFactory, TopicFactory, organizer_of

LOCALE = Path(settings.BASE_DIR) / "locale"
PO_FILES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
DJANGO_PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
SITE_PACKAGES = Path(polib.__file__).parent
# Leaflet's words, set by its script rather than by our catalogs' msgids.
LEAFLET_ENGLISH = ["Zoom in", "Zoom out", "contributors"]

# "usted" forms; "su"/"sus" alone are not among them: "sus organizadores"
# (the event's) and "su ubicación" (the browser's) are right with "tú".
USTED = re.compile(
    r"\b(usted(es)?|su cuenta|su contraseña|su correo|su perfil|sus datos|introduzca|"
    r"haga clic|haga|escriba|seleccione|asegúrese|compruebe|ingrese|indique|pulse|"
    r"verifique|inténtelo|vuelva a|escoja|elija|envíe|corrija|observe|confirme|"
    r"regístrese|inicie sesión|desea)\b",
    re.IGNORECASE,
)


def usted_forms(entries):
    found = []
    for entry in entries:
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            found += [(entry.msgid, m.group(0)) for m in USTED.finditer(text)]
    return found


def unfinished(path):
    """The msgids of ``path`` that are untranslated or marked fuzzy."""
    catalog = polib.pofile(str(path))
    return sorted(e.msgid for e in [*catalog.untranslated_entries(), *catalog.fuzzy_entries()])


def test_the_catalogs_have_no_untranslated_or_fuzzy_entry():
    assert PO_FILES, "no .po files found"
    for path in PO_FILES:
        assert unfinished(path) == [], path


def test_an_untranslated_or_fuzzy_entry_is_caught(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Log in"\nmsgstr "Iniciar sesión"\n\n'
        'msgid "Sign up"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Log out"\nmsgstr "Cerrar sesión"\n',
        encoding="utf-8",
    )
    assert unfinished(path) == ["Log out", "Sign up"]


def test_the_spanish_catalogs_say_tu_never_usted():
    # The word list does find usted: Django's own Spanish uses it.
    django_auth = SITE_PACKAGES / "django/contrib/auth/locale/es/LC_MESSAGES/django.po"
    assert usted_forms(polib.pofile(str(django_auth)))
    for path in LOCALE.glob("es/LC_MESSAGES/*.po"):
        assert usted_forms(polib.pofile(str(path))) == [], path


def test_the_strings_we_translate_again_are_still_the_libraries_own():
    # A library that rewords a string would leave our entry orphaned.
    library = {}
    for path in [
        *SITE_PACKAGES.glob("django/conf/locale/es/LC_MESSAGES/django.po"),
        *SITE_PACKAGES.glob("django/contrib/*/locale/es/LC_MESSAGES/django.po"),
    ]:
        library.update({e.msgid: e for e in polib.pofile(str(path))})
    leaflet = polib.mofile(str(SITE_PACKAGES / "leaflet/locale/es/LC_MESSAGES/django.mo"))
    library.update({e.msgid: e for e in leaflet})
    drf = polib.mofile(str(SITE_PACKAGES / "rest_framework/locale/es/LC_MESSAGES/django.mo"))
    library.update({e.msgid: e for e in drf})
    ours = {e.msgid: e for e in polib.pofile(str(DJANGO_PO))}
    ours_again = [
        *overridden_strings.DJANGO, *overridden_strings.LEAFLET, *overridden_strings.DRF
    ]
    for message in ours_again:
        with translation.override("en"):
            msgid = str(message)  # a plural's singular: its number is 1
        assert msgid in library, msgid
        assert ours[msgid].translated(), msgid


class VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes outside scripts and
    styles, and the attributes that label controls."""

    LABELS = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        attrs = dict(attrs)
        self.parts += [attrs[name] for name in self.LABELS if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_phrases():
    """Every English phrase our catalogs translate differently, of two words
    or more: the parts of each msgid between its placeholders."""
    phrases = set(LEAFLET_ENGLISH)
    for path in LOCALE.glob("es/LC_MESSAGES/*.po"):
        for entry in polib.pofile(str(path)):
            translations = " ".join([entry.msgstr, *entry.msgstr_plural.values()])
            for msgid in (entry.msgid, entry.msgid_plural):
                for part in re.split(r"%\(\w+\)[sdr]|%[sd]|<[^>]+>", msgid or ""):
                    part = " ".join(part.split()).strip(" .,:;()!?·-–")
                    if len(re.findall(r"[A-Za-z]+", part)) >= 2 and part not in translations:
                        phrases.add(part)
    return phrases


def found(phrases, text):
    return sorted(p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text))


@pytest.fixture
def site(db):
    """A Spanish group in Medellín with topics, a venue and an event, and its
    organizer: what the main pages show."""
    group = StudyGroupFactory(
        name="Semillero de ciencia de datos – Ciudad Universitaria",
        slug="semillero-ciencia-datos",
        description="Nos reunimos los jueves en la biblioteca.",
        language=StudyGroup.Language.SPANISH,
    )
    group.topics.set(
        [
            TopicFactory(name_es="Ciencia de datos", name_en="Data science", slug="data-science"),
            TopicFactory(name_es="Cálculo", name_en="Calculus", slug="calculo"),
        ]
    )
    venue = VenueFactory(name="Biblioteca Carlos Gaviria Díaz", study_group=group)
    event = EventFactory(
        title="Taller de pandas", description="Trae tu portátil.", study_group=group, venue=venue
    )
    organizer = organizer_of(group, "organizadora")
    MemberProfile.objects.create(user=organizer, home_location=Point(-75.57, 6.25, srid=4326))
    return {"group": group, "event": event, "organizer": organizer}


def main_pages(client, site, language):
    """{name: text shown} for the site's main pages in ``language``."""
    group, event = site["group"], site["event"]
    headers = {"accept_language": language}
    public = {
        "map": reverse("home"),
        "group": group.get_absolute_url(),
        "event": event.get_absolute_url(),
        "login": reverse("login"),
        "signup": reverse("signup"),
    }
    signed_in = {
        "profile": reverse("profile"),
        "group form": reverse("studygroup-new"),
        "group edit form": reverse("studygroup-edit", args=[group.slug]),
        "event form": reverse("event-new") + f"?group={group.slug}",
        "venue form": reverse("venue-new"),
        "calendar": reverse("my-calendar"),
    }
    pages = {}
    for name, url in public.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    client.force_login(site["organizer"])
    for name, url in signed_in.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    landing = client.get(reverse("ogc:landing"), headers=headers).json()
    pages["OGC landing"] = json.dumps(landing, ensure_ascii=False)
    client.logout()
    return pages


def test_spanish_pages_show_no_english_ui_string(client, site):
    phrases = english_phrases()
    english = main_pages(client, site, "en")
    # The check finds English where there is English.
    assert "Log in" in found(phrases, visible_text(english["login"]))
    for name, html in main_pages(client, site, "es").items():
        text = html if name == "OGC landing" else visible_text(html)
        assert found(phrases, text) == [], name
        # Leaflet's credit travels inside the map's settings, in a script.
        assert found(LEAFLET_ENGLISH, html) == [], name


def test_topic_names_follow_the_pages_language(client, site):
    for language, shown, hidden in (
        ("es", ["Ciencia de datos", "Cálculo"], ["Data science", "Calculus"]),
        ("en", ["Data science", "Calculus"], ["Ciencia de datos", "Cálculo"]),
    ):
        pages = main_pages(client, site, language)
        for name in ("group", "group edit form"):
            text = visible_text(pages[name])
            assert found(shown, text) == sorted(shown), (language, name)
            assert found(hidden, text) == [], (language, name)


def test_django_form_errors_in_spanish_say_tu(client, db):
    headers = {"accept_language": "es"}
    signup = client.post(
        reverse("signup"),
        {"username": "ana maría!", "email": "no-es-correo", "password1": "123",
         "password2": "1234"},
        headers=headers,
    )
    login = client.post(
        reverse("login"), {"username": "nadie", "password": "equivocada"}, headers=headers
    )
    for response in (signup, login):
        text = visible_text(response.content.decode())
        assert response.status_code == 200
        assert [m.group(0) for m in USTED.finditer(text)] == [], text
    assert "Introduce un nombre de usuario válido" in visible_text(signup.content.decode())


# Words of Spanish that English never uses, and its opening marks; lower case
# only where place names start with them (Los Angeles, El Aaiún).
SPANISH = re.compile(
    r"[¿¡]|\b(el|los|las|del|para|una|por|con|este|esta|cerca de|p\. ej)\b|"
    r"\b([Gg]rupos?|[Ee]ventos?|[Bb]uscar|[Uu]bicación|[Ii]nicio|[Ff]in|[Hh]ora|[Pp]ara)\b"
)


def test_english_pages_show_no_spanish_ui_string(client, site):
    # What the organizer wrote is hers to word; the rest is ours.
    theirs = [
        site["group"].name, site["group"].description, site["event"].title,
        site["event"].description, site["event"].venue.name, site["event"].venue.address,
        "Ciencia de datos", "Cálculo",
    ]
    spanish = main_pages(client, site, "es")
    assert SPANISH.search(visible_text(spanish["map"]))  # the check finds Spanish
    for name, html in main_pages(client, site, "en").items():
        text = html if name == "OGC landing" else visible_text(html)
        for words in theirs:
            text = text.replace(" ".join(words.split()), "")
        assert [m.group(0) for m in SPANISH.finditer(text)] == [], (name, text)


def test_the_source_strings_are_english():
    # A Spanish msgid shows Spanish on English pages: "e.g. python, cálculo".
    # Place names keep their accents in every language.
    places = re.compile(r"Medellín|Bogotá")
    spanish = []
    for path in LOCALE.glob("es/LC_MESSAGES/*.po"):
        for entry in polib.pofile(str(path)):
            for msgid in (entry.msgid, entry.msgid_plural or ""):
                if re.search(r"[áéíóúñ¿¡]", places.sub("", msgid), re.IGNORECASE):
                    spanish.append(msgid)
    assert spanish == []
