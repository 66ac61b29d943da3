from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from config import accounts
from config import views as config_views
from config.api import ApiDocsView
from wards.api import WardViewSet
from wards.views import find_ward, home

# /admin/login/ takes the same sign-in limits as /accounts/login/.
admin.site.login_form = config_views.RateLimitedAdminAuthenticationForm

router = DefaultRouter()
router.register("wards", WardViewSet, basename="ward")

urlpatterns = [
    path("", home, name="home"),
    path("find-your-ward/", find_ward, name="find_ward"),
    path("accessibility/", config_views.accessibility, name="accessibility"),
    path("privacy/", config_views.privacy, name="privacy"),
    path("healthz", config_views.healthz, name="healthz"),
    # The language switcher on every page posts to i18n/setlang/ (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
    path("wards/", include("wards.urls")),
    path(
        "accounts/login/",
        config_views.RateLimitedLoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.signup_view, name="signup"),
    path("accounts/signup/sent/", accounts.signup_sent, name="signup-sent"),
    path("accounts/signup/confirm/<str:token>/", accounts.signup_confirm, name="signup-confirm"),
    path(
        "accounts/password_reset/",
        accounts.RateLimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/login/", config_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("budgets.api_urls")),
    path("api/v1/", include("ballots.api_urls")),
    path("api/v1/", include("audit.api_urls")),
    path("api/v1/", include("delivery.api_urls")),
    # Pages: budgets answers /rounds/<id>/ and /proposals/<id>/, ballots the voting, receipt and
    # result pages and round downloads, audit the ledger downloads and audit pages.
    path("", include("budgets.urls")),
    path("", include("ballots.urls")),
    path("", include("audit.urls")),
    path("", include("delivery.urls")),
]

# Delivery photos: served by the app only with DEBUG on (the demo); production's web server
# serves MEDIA_ROOT itself (README, "Photos").
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.BENCH_ENDPOINTS:
    from config.bench import insert_one_row

    urlpatterns.append(path("bench/insert", insert_one_row))
