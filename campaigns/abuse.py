"""Email normalisation, disposable domains, IP hashing and rate limits for signing.

Nothing here writes to the database; the rate-limit counters live in the cache.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

DISPOSABLE_FILE = Path(__file__).resolve().parent / "data" / "disposable_domains.txt"

# Providers that deliver "name+tag@domain" to "name@domain".
PLUS_TAG_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com",
        "live.de", "msn.com", "icloud.com", "me.com", "mac.com", "protonmail.com", "protonmail.ch", "proton.me",
        "pm.me", "fastmail.com", "fastmail.fm", "posteo.de", "posteo.net", "mailbox.org", "tutanota.com",
        "tuta.io", "hey.com", "zoho.com",
    }
)
# Providers that ignore dots in the local part.
DOT_INSENSITIVE_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

# Large freemail providers get a higher per-domain limit: thousands of honest
# signers share them.
LARGE_PROVIDERS = frozenset(
    {
        "gmail.com", "web.de", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "t-online.de", "outlook.com", "outlook.de",
        "hotmail.com", "hotmail.de", "live.de", "live.com", "yahoo.com", "yahoo.de", "icloud.com", "me.com",
        "posteo.de", "mailbox.org", "freenet.de", "arcor.de", "aol.com", "aol.de", "proton.me", "protonmail.com",
        "online.de", "email.de", "vodafone.de", "magenta.de",
    }
)


def email_domain(email: str) -> str:
    return email.strip().lower().rpartition("@")[2].rstrip(".")


def normalize_email(email: str) -> str:
    """The address as the mailbox sees it: one mailbox, one normalised form.

    Lower case everywhere (local parts are case-insensitive at every provider
    that matters); ``googlemail.com`` → ``gmail.com``; dots dropped for Gmail;
    ``+tags`` dropped where the provider delivers tagged mail to the same box.
    """
    email = email.strip().lower()
    local, _, domain = email.rpartition("@")
    domain = domain.rstrip(".")
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in DOT_INSENSITIVE_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


@lru_cache(maxsize=1)
def disposable_domains() -> frozenset[str]:
    extra = {d.lower() for d in getattr(settings, "CAMPAIGNS_EXTRA_DISPOSABLE_DOMAINS", [])}
    lines = DISPOSABLE_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset({line.strip().lower() for line in lines if line.strip() and not line.startswith("#")} | extra)


def is_disposable(email: str) -> bool:
    domain = email_domain(email)
    listed = disposable_domains()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


def _ip_key() -> bytes:
    # A key derived from SECRET_KEY for this one purpose; rotating SECRET_KEY
    # rotates the hashes (bursts are then only comparable within one key period).
    return hashlib.sha256(b"hds.campaigns.ip-hash:" + settings.SECRET_KEY.encode()).digest()


def hash_ip(ip: str | None) -> str:
    """HMAC-SHA256 of the address: comparable between signatures, not reversible without the key."""
    if not ip:
        return ""
    return hmac.new(_ip_key(), ip.strip().encode(), hashlib.sha256).hexdigest()


def client_ip(request) -> str:
    """The peer address. Only trust X-Forwarded-For when a proxy count is configured."""
    proxies = int(getattr(settings, "CAMPAIGNS_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _limits():
    return {
        "ip": getattr(settings, "CAMPAIGNS_RATE_LIMIT_IP", (10, 600)),
        "domain": getattr(settings, "CAMPAIGNS_RATE_LIMIT_DOMAIN", (30, 600)),
        "large_domain": getattr(settings, "CAMPAIGNS_RATE_LIMIT_LARGE_DOMAIN", (1000, 600)),
    }


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; True while within the limit."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


# Count one attempt on each key in turn (a new window gets its expiry); stop at the first key over its
# limit, so an attempt refused for its IP does not use up its mail domain's budget. Returns that key's
# 1-based position, or 0.
_HIT_SCRIPT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i - 1]) end
  if count > tonumber(ARGV[2 * i]) then return i end
end
return 0
"""


def _over_limit_redis(checks: list[tuple[str, str, int, int]]) -> str | None | bool:
    """``check_rate_limits`` in one round trip to Redis (a Lua script); False when the cache is not Redis.

    Through the cache API a hit costs three round trips (``add``; ``incr``
    asks ``EXISTS`` first). Same keys, values and windows as ``_hit``. While
    Redis is unreachable the limits fail open, as the tolerant cache does.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from hds_site.cache import _UNAVAILABLE

    backend = caches["default"]  # ``cache`` is a proxy: isinstance needs the backend itself
    if not isinstance(backend, RedisCache):
        return False
    keys = [backend.make_and_validate_key(key) for _, key, _, _ in checks]
    args = [value for _, _, limit, window in checks for value in (window, limit)]
    try:
        over = int(backend._cache.get_client(write=True).eval(_HIT_SCRIPT, len(keys), *keys, *args))
    except _UNAVAILABLE:
        return None
    return checks[over - 1][0] if over else None


def check_rate_limits(*, ip_hash: str, domain: str) -> str | None:
    """Count this attempt; return "ip" or "domain" when a limit is exceeded, else None."""
    limits = _limits()
    checks = []  # (kind, key, limit, window), checked in this order
    if ip_hash:
        checks.append(("ip", f"campaigns:rl:ip:{ip_hash}", *limits["ip"]))
    if domain:
        size = "large_domain" if domain in LARGE_PROVIDERS else "domain"
        checks.append(("domain", f"campaigns:rl:dom:{domain}", *limits[size]))
    if not checks:
        return None
    over = _over_limit_redis(checks)
    if over is not False:
        return over
    for kind, key, limit, window in checks:
        if not _hit(key, limit, window):
            return kind
    return None
