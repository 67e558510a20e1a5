"""Login lockout: allauth's `login_failed` rate limit, per account and per IP separately.

5 failures in 5 minutes lock one account (from anywhere); 30 failures in 5
minutes lock one IP (over any accounts). One person's typos behind a shared
office or carrier address no longer lock out everybody there.
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

PASSWORD = "richtig-Geheim-42"
LOCKOUT_MESSAGE = "Zu viele gescheiterte Anmeldeversuche"
ACCOUNT_LIMIT = 5  # failures per account in 5 minutes (ACCOUNT_RATE_LIMITS["login_failed"], docs/operations.md)
IP_LIMIT = 30  # failures per client IP in 5 minutes


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
    for n in range(IP_LIMIT):
        response = login(client, f"unbekannt{n}@example.org", "falsch", ip="192.0.2.66")
        assert LOCKOUT_MESSAGE not in response.content.decode(), n
    response = login(client, "bert@example.org", PASSWORD, ip="192.0.2.66")
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_failures_against_one_account_do_not_lock_another_account_from_the_same_ip(client):
    """Five wrong passwords for A from an office's one address: A is locked, B (same address) is not."""
    make_member("anna@example.org")
    make_member("bert@example.org")
    office = "192.0.2.10"
    for _ in range(ACCOUNT_LIMIT):
        login(client, "anna@example.org", "falsch", ip=office)
    response = login(client, "anna@example.org", PASSWORD, ip=office)
    assert LOCKOUT_MESSAGE in response.content.decode() and not logged_in(client)

    response = login(client, "bert@example.org", PASSWORD, ip=office)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_the_ip_limit_counts_failures_over_many_accounts_and_stops_short_of_them(client):
    """Under the IP limit a colleague behind the same address still logs in; at the limit nobody does."""
    make_member("carla@example.org")
    office = "192.0.2.20"
    for n in range(IP_LIMIT - 1):
        login(client, f"kollege{n % 10}@example.org", "falsch", ip=office)
    response = login(client, "carla@example.org", PASSWORD, ip=office)
    assert response.status_code == 302 and logged_in(client)  # a success does not count
    client.logout()
    login(client, "kollege0@example.org", "falsch", ip=office)  # the 30th failure
    response = login(client, "carla@example.org", PASSWORD, ip=office)
    assert LOCKOUT_MESSAGE in response.content.decode() and not logged_in(client)
    # another address is not affected
    response = login(client, "carla@example.org", PASSWORD, ip="192.0.2.21")
    assert response.status_code == 302 and logged_in(client)


@pytest.mark.django_db
def test_a_new_host_header_does_not_start_a_new_count_for_the_account(client):
    """allauth keyed the account's counter with the request's host: a new port per guess escaped it."""
    make_member("anna@example.org")
    for n in range(ACCOUNT_LIMIT):
        login(client, "anna@example.org", "falsch", ip=f"203.0.113.{n + 1}", HTTP_HOST=f"localhost:{6000 + n}")
    response = login(client, "anna@example.org", PASSWORD, ip="203.0.113.99", HTTP_HOST="localhost:6666")
    assert LOCKOUT_MESSAGE in response.content.decode() and not logged_in(client)


@pytest.mark.django_db
def test_behind_a_proxy_one_attacker_does_not_lock_out_everybody(client, settings):
    """Production trusts the router's X-Forwarded-For entry (ALLAUTH_TRUSTED_PROXY_COUNT=1)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_member("carla@example.org")
    router = "10.0.0.1"
    for n in range(IP_LIMIT):
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
    for n in range(IP_LIMIT):
        admin_login(client, f"unbekannt{n}@example.org", "falsch", ip="192.0.2.66")
    response = admin_login(client, "bert@example.org", PASSWORD, ip="192.0.2.66")
    assert not logged_in(client)
    assert LOCKOUT_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_admin_login_failures_against_one_editor_do_not_lock_another_from_the_same_ip(client):
    make_editor("redaktion@example.org")
    make_editor("chefin@example.org")
    for _ in range(ACCOUNT_LIMIT):
        admin_login(client, "redaktion@example.org", "falsch", ip="192.0.2.30")
    response = admin_login(client, "redaktion@example.org", PASSWORD, ip="192.0.2.30")
    assert LOCKOUT_MESSAGE in response.content.decode() and not logged_in(client)
    response = admin_login(client, "chefin@example.org", PASSWORD, ip="192.0.2.30")
    assert response.status_code == 302 and logged_in(client)


@pytest.mark.django_db
def test_too_many_login_requests_get_a_german_page_not_a_bare_english_one(client):
    """allauth's `login` limit (60 login POSTs per minute and IP) answers 429 with the site's own page."""
    statuses = [login(client, "x@example.org", "", ip="192.0.2.77").status_code for _ in range(61)]
    assert statuses == [200] * 60 + [429]
    response = login(client, "x@example.org", "", ip="192.0.2.77")
    html = response.content.decode()
    assert response.status_code == 429
    assert '<html lang="de">' in html and "Zu viele Anfragen" in html


@pytest.mark.django_db
def test_a_password_reset_lifts_the_lock_on_an_account(client, mailoutbox):
    """Anyone who knows an address can lock its account for 5 minutes; the owner gets in at once by a reset."""
    import re

    make_member("anna@example.org")
    for n in range(ACCOUNT_LIMIT):
        login(client, "anna@example.org", "falsch", ip=f"203.0.113.{n + 1}", HTTP_HOST=f"localhost:{7000 + n}")
    assert LOCKOUT_MESSAGE in login(client, "anna@example.org", PASSWORD).content.decode()

    client.post("/konto/password/reset/", {"email": "anna@example.org"}, REMOTE_ADDR="198.51.100.10")
    link = re.search(r"http://testserver(/konto/password/reset/key/\S+/)", mailoutbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new_password = "Neues-Passwort-2026!"
    response = client.post(form_url, {"password1": new_password, "password2": new_password}, REMOTE_ADDR="198.51.100.10")
    assert response.status_code == 302

    response = login(client, "anna@example.org", new_password)
    assert response.status_code == 302
    assert logged_in(client)
