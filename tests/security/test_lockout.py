"""Login lockout: allauth's `login_failed` rate limit (5 per 5 minutes per IP and per account)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

PASSWORD = "richtig-Geheim-42"
LOCKOUT_MESSAGE = "Zu viele gescheiterte Anmeldeversuche"


def make_member(email: str):
    user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def login(client, email, password, ip="198.51.100.10", **extra):
    return client.post("/konto/login/", {"login": email, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_correct_password_logs_in(client):
    make_member("anna@example.org")
    response = login(client, "anna@example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_five_failures_lock_the_account_even_for_the_right_password(client):
    make_member("anna@example.org")
    for _ in range(5):
        response = login(client, "anna@example.org", "falsch")
        assert response.status_code == 200
        assert LOCKOUT_MESSAGE not in response.content.decode()
        assert not logged_in(client)

    response = login(client, "anna@example.org", PASSWORD)
    assert response.status_code == 200
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode(), "the lockout is explained in German"


@pytest.mark.django_db
def test_rotating_ip_addresses_does_not_lift_the_lock_on_an_account(client):
    make_member("anna@example.org")
    for n in range(5):
        login(client, "anna@example.org", "falsch", ip=f"203.0.113.{n + 1}")
    response = login(client, "anna@example.org", PASSWORD, ip="203.0.113.99")
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_an_ip_guessing_many_accounts_is_locked_out(client):
    make_member("bert@example.org")
    for n in range(5):
        login(client, f"unbekannt{n}@example.org", "falsch", ip="192.0.2.66")
    response = login(client, "bert@example.org", PASSWORD, ip="192.0.2.66")
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_behind_a_proxy_one_attacker_does_not_lock_out_everybody(client, settings):
    """Production trusts the router's X-Forwarded-For entry (ALLAUTH_TRUSTED_PROXY_COUNT=1)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_member("carla@example.org")
    router = "10.0.0.1"
    for n in range(5):
        login(client, f"opfer{n}@example.org", "falsch", ip=router, HTTP_X_FORWARDED_FOR="192.0.2.66")

    # the attacker is locked out ...
    response = login(client, "carla@example.org", PASSWORD, ip=router, HTTP_X_FORWARDED_FOR="192.0.2.66")
    assert LOCKOUT_MESSAGE in response.content.decode()
    assert not logged_in(client)
    # ... a member coming through the same router is not
    response = login(client, "carla@example.org", PASSWORD, ip=router, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302
    assert logged_in(client)


# --- the Wagtail admin login (/cms/login/) -------------------------------------------------


def admin_login(client, login, password, ip="198.51.100.10", **extra):
    return client.post("/cms/login/", {"username": login, "password": password}, REMOTE_ADDR=ip, **extra)


def make_editor(email: str):
    from django.contrib.auth.models import Permission

    user = make_member(email)
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return user


@pytest.mark.django_db
def test_the_admin_login_works_with_the_right_password(client):
    make_editor("redaktion@example.org")
    response = admin_login(client, "redaktion@example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert client.get("/cms/").status_code == 200


@pytest.mark.django_db
def test_five_failures_lock_the_admin_login_even_for_the_right_password(client):
    make_editor("redaktion@example.org")
    for _ in range(5):
        response = admin_login(client, "redaktion@example.org", "falsch")
        assert response.status_code == 200
        assert LOCKOUT_MESSAGE not in response.content.decode()
        assert not logged_in(client)
    response = admin_login(client, "redaktion@example.org", PASSWORD)
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_the_admin_login_and_the_site_login_share_one_lock(client):
    """Alternating between /konto/login/ and /cms/login/ does not double the guesses."""
    make_editor("redaktion@example.org")
    for n in range(5):
        (login if n % 2 else admin_login)(client, "redaktion@example.org", "falsch", ip=f"203.0.113.{n + 1}")
    response = admin_login(client, "redaktion@example.org", PASSWORD, ip="203.0.113.99")
    assert not logged_in(client) and LOCKOUT_MESSAGE in response.content.decode()
    response = login(client, "redaktion@example.org", PASSWORD, ip="203.0.113.98")
    assert not logged_in(client) and LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_an_ip_guessing_many_accounts_on_the_admin_login_is_locked_out(client):
    make_editor("bert@example.org")
    for n in range(5):
        admin_login(client, f"unbekannt{n}@example.org", "falsch", ip="192.0.2.66")
    response = admin_login(client, "bert@example.org", PASSWORD, ip="192.0.2.66")
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()
