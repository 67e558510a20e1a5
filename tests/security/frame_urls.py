"""A URLconf for the framing tests: one view of each framing kind Django offers."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin


def normal(request):
    return HttpResponse("<!doctype html><title>normal</title>")


@xframe_options_exempt
def widget(request):
    return HttpResponse("<!doctype html><title>widget</title>")


@xframe_options_sameorigin
def same_origin(request):
    return HttpResponse("<!doctype html><title>preview</title>")


urlpatterns = [
    path("normal/", normal),
    path("widget/", widget),
    path("same-origin/", same_origin),
]
