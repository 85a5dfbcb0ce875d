from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from recommend.analytics import views as analytics_views
from shopguide import health
from shopguide.throttling import throttle_login_posts

handler400 = "shopguide.api.bad_request"
handler404 = "shopguide.api.not_found"
handler500 = "shopguide.outage.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Before the admin's own patterns, which would answer 404 for a path they do not know.
    path("admin/analytics/", analytics_views.dashboard, name="admin-analytics"),
    # The admin's own login, rate-limited per address (before admin.site.urls, which would answer it unthrottled).
    path("admin/login/", throttle_login_posts(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("catalog.api_urls")),
    path("api/v1/", include("recommend.api_urls")),
    path("api/v1/", include("orders.api_urls")),
    path("api/v1/", include("profiles.api_urls")),
    path("api/v1/", include("assistant.api_urls")),
    path("", include("profiles.urls")),
    # Search before the catalog: its storefront patterns are the catch-all home of the site.
    path("", include("orders.urls")),
    path("", include("assistant.urls")),
    path("", include("recommend.urls")),
    path("", include("catalog.urls")),
]
