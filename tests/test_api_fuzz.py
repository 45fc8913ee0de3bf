"""The API fuzzed with schemathesis against its own OpenAPI schema (`/api/schema/`).

Every operation gets up to 25 generated requests (valid and invalid per the schema), made
through the WSGI application in-process, signed in with a head's token at a school with a class,
pupils and marks, against the test database. Each answer must not be a server error and must
match the schema. Hypothesis is derandomised so a failure here fails the same way next time.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import MONDAY
from tests.factories import MarkFactory

MAX_EXAMPLES = 25


def _served_schema() -> schemathesis.schemas.BaseSchema:
    """The schema `/api/schema/` serves, made when the module is collected by the generator the
    view uses (no server, no database). The view itself answers signed-in users only (issue
    #21), and there is no user yet: schemathesis' lazy `from_fixture` loader does not run under
    pytest 9, so the token is a fixture of the test instead."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    loaded.location = "/api/schema/"
    return loaded


schema = _served_schema()


@pytest.fixture
def connections_kept_open():
    """As Django's test client does: a request's end must not close the test's connection (it
    would, being inside the test's transaction), or every later request fails on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def head_token(db, connections_kept_open, pupils_4a, school, head) -> str:
    """The head of `school` (class 4A, five pupils with Monday's AM marks) and their API token."""
    for pupil in pupils_4a:
        MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="/")
    return Token.objects.create(user=head).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing example is enough
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_request_without_a_server_error_and_as_its_schema_says(
    case, head_token
):
    # "Fuzz the API ... against its OpenAPI schema: no 500s, responses match the schema."
    case.call_and_validate(
        headers={"Authorization": f"Token {head_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
