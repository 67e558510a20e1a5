from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps.views import sitemap as django_sitemap  # noqa: F401
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog  # noqa: F401
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from hds_site import csp_report, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(csp_report.PATH.lstrip("/"), csp_report.receive, name="csp_report"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # app APIs that are language-neutral
    path("", include("campaigns.api_urls")),
]

urlpatterns += i18n_patterns(
    path("konto/", include("hds_site.accounts.urls")),
    path("konto/", include("allauth.urls")),
    path("forum/", include("community.urls")),
    path("kampagnen/", include("campaigns.urls")),
    path("suche/", include("search.urls")),
    path("", include("hds_site.content.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

handler400 = "hds_site.bad_request.bad_request"
handler404 = "hds_site.views.page_not_found"
handler500 = "hds_site.views.server_error"
