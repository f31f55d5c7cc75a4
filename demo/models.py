from django.conf import settings
from django.db import models


class DemoUser(models.Model):
    """A user that load_demo made. Running it again changes only these users: an account
    someone else made under a demo username (`admin` by createsuperuser) is left alone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        primary_key=True,
        related_name="demo",
        verbose_name="användare",
    )

    class Meta:
        verbose_name = "demoanvändare"
        verbose_name_plural = "demoanvändare"

    def __str__(self) -> str:
        return str(self.user)
