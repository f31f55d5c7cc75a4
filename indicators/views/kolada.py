"""The "Hämta från Kolada" button: fetches the nämnd's indicator values and goes back to
the page it was pressed on with the summary as messages."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from amn.permissions import ENTER_FIGURES, committee_for_user
from indicators.services.kolada import KoladaUnavailable
from indicators.services.kolada_fetch import fetch_kolada_values, year_refusal

MESSAGE_LEVELS = {
    "success": messages.SUCCESS,
    "info": messages.INFO,
    "warning": messages.WARNING,
}


class KoladaFetchForm(forms.Form):
    year = forms.IntegerField(label="År")
    overwrite = forms.BooleanField(label="Skriv över värden som matats in för hand", required=False)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        refusal = year_refusal(year)
        if refusal:
            raise forms.ValidationError(refusal)
        return year


@login_required
@require_POST
def fetch(request: HttpRequest, code: str) -> HttpResponse:
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    form = KoladaFetchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Ingenting hämtades från Kolada: {error}")
        return _back(request)
    try:
        result = fetch_kolada_values(
            committee,
            form.cleaned_data["year"],
            overwrite=form.cleaned_data["overwrite"],
            user=request.user,
        )
    except KoladaUnavailable as error:
        messages.error(request, f"{error} Ingenting sparades.")
        return _back(request)
    for line in result.lines:
        messages.add_message(request, MESSAGE_LEVELS[line.level], line.text)
    if result.skipped:
        messages.info(
            request,
            "Kryssa i ”Skriv över värden som matats in för hand” och hämta igen för att "
            "ersätta dem med Kolada-värdena.",
        )
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    """To the page the button was on, if `next` is an address on this site; the start
    page otherwise, so the button cannot be used to send someone elsewhere."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Not redirect(): that would also read a bare word as the name of a view.
        return HttpResponseRedirect(target)
    return redirect("amn:start")


urlpatterns = [path("indikatorer/kolada/hamta/", fetch, name="kolada-fetch")]
