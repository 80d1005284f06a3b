from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Places"

    def ready(self):
        from places.gazetteer import register_gazetteer_sources

        register_gazetteer_sources()
