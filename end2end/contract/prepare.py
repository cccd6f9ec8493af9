"""Prepares the contract test: an organisation with a few users, a team, and a service account
whose API token holds every permission such an account may hold, made through the JSON API as
the contract test's own superuser. Prints, as shell assignments, the token's secret and the ids
the schemathesis.toml beside this file gives the operations that name an object.

Usage: prepare.py BASE_URL (the password of the superuser contract-root in
ROSTER_CONTRACT_PASSWORD)."""

import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import struct
import sys
import time
import urllib.error
import urllib.request


def client():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(method, path, body=None):
        request = urllib.request.Request(
            BASE + "/api/v1" + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with opener.open(request) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            sys.exit(f"{method} {path}: {error.code} {error.read().decode()}")

    return call


def totp(secret, offset_steps=0):
    """The code an authenticator app with the base32 key `secret` shows now (RFC 6238: HMAC-SHA1,
    30-second steps, six digits), from the standard library rather than the server's code."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30 + offset_steps
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


BASE = sys.argv[1].rstrip("/")
slug = "contract-" + hex(int(time.time()))[2:]
root = client()
# Its own superuser, not the end-to-end tests' (e2e-root): those ran first on this server and
# gave theirs a second factor whose key only they know. Superusers must have one before
# anything else, so this one adds an authenticator app right after signing in.
root("POST", "/session", {"tenant": "platform", "login": "contract-root",
                          "password": os.environ["ROSTER_CONTRACT_PASSWORD"]})
app = root("POST", "/me/second-factors/totp")
root("POST", f"/me/second-factors/totp/{app['id']}/confirm",
     {"code": totp(app["secret"]), "name": "Contract test"})
made = root("POST", "/tenants", {
    "slug": slug, "name": "Contract", "admin_first_name": "Con", "admin_last_name": "Tract",
    "admin_email": "admin@contract.test", "admin_username": "admin",
})
admin = client()
admin("POST", "/session", {"tenant": slug, "login": "admin",
                           "password": made["temporary_password"]})
admin("POST", "/me/password", {"current_password": made["temporary_password"],
                               "new_password": "the contract admin's own passphrase"})
# All a service account may hold (its type holds back the tenant's settings and its roles).
everything = [p["key"] for p in admin("GET", "/permissions")
              if p["key"] not in ("tenant.settings", "roles.manage")]
role = admin("POST", "/roles", {"name": "Robot", "permissions": everything})
people = [admin("POST", "/users", {
        "first_name": f"Person{n}", "last_name": "Example", "email": f"p{n}@contract.test",
        "username": f"p{n}", "user_type": "agent", "external_id": f"E-{n}",
        "password": {"mode": "none"},
    })["user"] for n in range(5)]
team = admin("POST", "/teams", {"name": "Support"})
admin("POST", f"/teams/{team['id']}/members", {"user_id": people[1]["id"]})
service = admin("POST", "/users", {
    "first_name": "Contract", "last_name": "Robot", "email": "robot@contract.test",
    "username": "robot", "user_type": "service", "console_access": False,
    "roles": [role["id"]], "password": {"mode": "none"},
})
robot = service["user"]
token = admin("POST", f"/users/{robot['id']}/tokens",
              {"name": "schemathesis", "permissions": robot["permissions"]})
# A second token, for the revocation to find (the first must outlive the run).
spare = admin("POST", f"/users/{robot['id']}/tokens",
              {"name": "spare", "permissions": ["users.read"]})
print(f"ROSTER_CONTRACT_TOKEN={token['secret']}")
print(f"ROSTER_CONTRACT_USER={people[0]['id']}")
print(f"ROSTER_CONTRACT_ROBOT={robot['id']}")
print(f"ROSTER_CONTRACT_SPARE_TOKEN={spare['token']['id']}")
print(f"ROSTER_CONTRACT_TEAM={team['id']}")
print(f"ROSTER_CONTRACT_MEMBER={people[1]['id']}")
