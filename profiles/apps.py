from __future__ import annotations

from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from profiles.receivers import merge_session_shopper_on_login

        user_logged_in.connect(merge_session_shopper_on_login, dispatch_uid="profiles.merge_session_shopper")
