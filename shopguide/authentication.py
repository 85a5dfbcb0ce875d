"""API authentication: DRF's own classes, hardened against input Postgres cannot store."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions


class BasicAuthentication(authentication.BasicAuthentication):
    """DRF's Basic auth, refusing credentials with a NUL byte (the login lookup would raise a 500 otherwise)."""

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> Any:
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        return super().authenticate_credentials(userid, password, request)
