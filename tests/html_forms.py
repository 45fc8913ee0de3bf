"""Forms read from a page's HTML, as a browser would send them: for tests that post what the
page offers (its hidden fields, its one-time token) rather than a dictionary written by hand."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # date, number, time, id (select or numeric hidden), text, hidden, check, submit
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)


class FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(action=a.get("action") or self.page_url)
            return
        if self._form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                kind = "id" if a.get("value", "").isdigit() else "hidden"
            elif kind in ("checkbox", "radio"):
                kind = "check"
            elif kind not in ("date", "number", "time", "submit"):
                kind = "text"
            if kind == "check" and any(f.name == name for f in self._form.fields):
                return
            self._form.fields.append(Field(name, kind, a.get("value", "")))
        elif tag == "textarea" and name:
            self._form.fields.append(Field(name, "text"))
        elif tag == "select" and name:
            self._select = Field(name, "id")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None and a.get("value"):
            self._select.options.append(a["value"])
        elif tag == "button" and name:
            self._form.fields.append(Field(name, "submit", a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(client, url: str) -> list[Form]:
    response = client.get(url)
    assert response.status_code == 200, url
    return forms_on(response.content.decode(), url)


def forms_on(html: str, url: str = "") -> list[Form]:
    """The page's forms posted to, the header's sign-out button left out."""
    reader = FormReader(url)
    reader.feed(html)
    return [form for form in reader.forms if "logout" not in form.action]


def form_data(form: Form, **values: str) -> dict[str, str | list[str]]:
    """What the browser sends for `form` as drawn (hidden fields, the one-time token, each
    field's value or first option; boxes left unticked), with `values` typed in; a name repeated
    on the page is sent as a list."""
    data: dict[str, str | list[str]] = {}
    for f in form.fields:
        if f.kind in ("submit", "check"):
            continue
        value = f.value or (f.options[0] if f.options else "")
        if f.name in data:
            existing = data[f.name]
            data[f.name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[f.name] = value
    data.update(values)
    return data
