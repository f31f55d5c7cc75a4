from django.apps import AppConfig


class AmnConfig(AppConfig):
    name = "amn"
    verbose_name = "Organisation och rapportering"
