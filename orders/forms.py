from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignUpForm(UserCreationForm):
    """A new account. The username is the sign-in handle, so a taken one must be said (the visitor picks
    another; sign-up is throttled per address, so this cannot list accounts at scale). The email is a contact
    address, never an identifier: nothing signs in or recovers an account by it, so it is not required to be
    unique, and sign-up never says whether another account already has it."""

    email = forms.EmailField(required=True, help_text="For order confirmations; never shown to others.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]
