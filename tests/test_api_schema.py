"""The API's OpenAPI schema and its interactive docs, served offline."""

import jsonschema
import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from registers.models import Mark

pytestmark = pytest.mark.django_db


def test_the_schema_validates_with_no_warnings(tmp_path):
    # Issue #8: "Done when: the API schema validates." --fail-on-warn makes any warning an error.
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    assert text.startswith("openapi: 3.")
    for path in (
        "/api/v1/schools/{school_id}/:",
        "/api/v1/groups/:",
        "/api/v1/pupils/{pupil_id}/:",
        "/api/v1/marks/:",
        "/api/v1/calls/:",
        "/api/v1/leave-requests/:",
        "/api/v1/cases/{case_id}/:",
        "/api/v1/registers/{group_id}/{day}/{session}/:",
        "/api/v1/marks/{mark_id}/amend/:",
    ):
        assert path in text


def test_the_schema_and_its_docs_are_for_signed_in_users_only(client, office):
    # Issue #21 finding 13: "/api/schema/ and /api/docs/ are public in production".
    signed_out = [client.get(reverse(name)) for name in ("api_schema", "api_docs")]
    client.force_login(office)
    signed_in = [client.get(reverse(name)) for name in ("api_schema", "api_docs")]

    assert [answer.status_code for answer in signed_out] == [403, 403]
    assert "/api/v1/pupils/" not in "".join(answer.content.decode() for answer in signed_out)
    assert [answer.status_code for answer in signed_in] == [200, 200]


def test_the_schema_names_both_ways_of_signing_in(client, office):
    # Issue #7: "API by token or session, the same permissions."
    client.force_login(office)
    response = client.get(reverse("api_schema"), {"format": "json"})

    assert response.status_code == 200
    schemes = response.json()["components"]["securitySchemes"]
    assert set(schemes) == {"cookieAuth", "tokenAuth"}


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client, office):
    # The site may have no internet: the docs must not fetch Swagger UI from a CDN.
    client.force_login(office)
    response = client.get(reverse("api_docs"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn.jsdelivr.net" not in page


def test_a_token_signs_in_as_its_user(client, office, school):
    # Issue #7: the same permissions by token as by session.
    token = Token.objects.create(user=office)

    response = client.get(reverse("api:schools"), HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = client.get(reverse("api:schools"), HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [school.pk]
    assert refused.status_code == 403  # DRF: the first authenticator (session) sets no header


def test_every_400_the_register_endpoint_answers_is_one_of_the_two_shapes_the_schema_names(
    client, monday_morning, teacher_4a, class_4a, pupils_4a
):
    # Schools' scripts read these shapes as they are: a refusal is `{"detail", "problems"}`, a
    # malformed body DRF's `{"field": [...]}`. The schema documents both, told apart by `detail`.
    client.force_login(teacher_4a)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    bad_request = jsonschema.Draft7Validator(
        {"$ref": "#/components/schemas/BadRequest", "components": schema["components"]}
    )
    url = reverse("api:register", args=[class_4a.pk, monday_morning, "AM"])
    lines = [{"pupil": p.pk, "code": "/", "seen_version": None} for p in pupils_4a]
    bodies = {
        "refused": {"marks": lines[:-1]},
        "not JSON": "{marks: all",
        "marks not a list": {"marks": "all present"},
        "one line wrong": {"marks": [*lines[:-1], {**lines[-1], "code": "ABC"}]},
        "not an object": [1, 2],
    }

    answers = {
        name: client.post(url, body, content_type="application/json")
        for name, body in bodies.items()
    }

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        bodies, 400
    )
    for answer in answers.values():
        bad_request.validate(answer.json())
    assert set(answers["refused"].json()) == {"detail", "problems"}
    assert answers["one line wrong"].json() == {
        "marks": {"4": {"code": ["Ensure this field has no more than 2 characters."]}}
    }
    assert not Mark.objects.exists()


def test_a_schools_email_may_be_blank_in_the_schema(client, office):
    # A school need not give an e-mail address, and "" is not one: no "email" format.
    client.force_login(office)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    email = schema["components"]["schemas"]["School"]["properties"]["email"]

    assert email["type"] == "string" and "format" not in email


def test_every_request_body_in_the_schema_is_json_only(client, teacher_4a):
    # Issue #20: "Request bodies are JSON only, in the views and the schema": a schema that
    # offers form and multipart bodies too leaves a generated client unable to write.
    client.force_login(teacher_4a)  # issue 21: the schema is for signed-in users
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    bodies = {
        (path, method): list(operation["requestBody"]["content"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }

    assert set(bodies) == {
        ("/api/v1/registers/{group_id}/{day}/{session}/", "post"),
        ("/api/v1/marks/{mark_id}/amend/", "post"),
        ("/api/v1/calls/", "post"),
        ("/api/v1/leave-requests/", "post"),
    }
    assert set(map(tuple, bodies.values())) == {("application/json",)}


def test_a_form_body_is_refused_as_unsupported_and_nothing_is_saved(
    client, monday_morning, teacher_4a, class_4a, pupils_4a
):
    client.force_login(teacher_4a)
    url = reverse("api:register", args=[class_4a.pk, monday_morning, "AM"])

    response = client.post(url, {"marks": "all present"})

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "multipart/form-data; boundary=BoUnDaRyStRiNg" in '
        "request."
    }
    assert not Mark.objects.exists()


def test_a_choice_blank_until_decided_may_be_blank_in_the_schema(client, teacher_4a):
    # A pending leave request has no approved sessions and an open case no route yet ("");
    # a generated client refused to read either while the schema allowed only the choices.
    client.force_login(teacher_4a)  # issue 21: the schema is for signed-in users
    schemas = client.get(reverse("api_schema"), {"format": "json"}).json()["components"]["schemas"]

    for component, field in (
        ("LeaveRequest", "approved_first_session"),
        ("LeaveRequest", "approved_last_session"),
        ("ThresholdCase", "route"),
        ("ThresholdCaseDetail", "route"),
    ):
        assert {"$ref": "#/components/schemas/BlankEnum"} in (
            schemas[component]["properties"][field]["oneOf"]
        )
    assert schemas["BlankEnum"] == {"enum": [""]}
