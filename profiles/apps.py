from __future__ import annotations

from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from profiles.receivers import merge_session_shopper_on_login, rotate_visitor_on_logout

        user_logged_in.connect(merge_session_shopper_on_login, dispatch_uid="profiles.merge_session_shopper")
        user_logged_out.connect(rotate_visitor_on_logout, dispatch_uid="profiles.rotate_visitor")
