"""Requests whose user is known to be signed in, for type annotations.

Django and DRF type `request.user` as "a user or AnonymousUser", since middleware cannot know
which views demand a sign-in. A view behind `@login_required`, or an API view behind DRF's
IsAuthenticated (the default permission of every API view here), only ever sees a `User`: it
annotates its request with these, as django-stubs suggests, and passes `request.user` on to the
access helpers and services, which take a `User`. Nothing changes at run time.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthenticatedHttpRequest(HttpRequest):
    """A page's request past `@login_required`."""

    user: User


class AuthenticatedRequest(Request):
    """An API view's request past IsAuthenticated (the API's default permission)."""

    if TYPE_CHECKING:

        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...
