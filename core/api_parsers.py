"""The API's JSON parser, with a bound on how deeply a body may nest.

Python's `json` module parses by recursion: 100,000 nested brackets raise RecursionError (a
500), and a few thousand cost every layer after it (serializers walk what they are given). No
body this API takes nests deeper than three levels (`{"marks": [{...}]}`), so anything past
MAX_DEPTH is refused as malformed before it is parsed, with the same 400 as a body that is not
JSON.
"""

import io
import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
# What decides nesting: an escape (skipped whole, so `\"` does not end a string), a quote (in or
# out of a string) and a bracket. One pass, linear in the body's length.
_TOKENS = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def nesting_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (0 for a bare value); brackets
    inside strings do not count."""
    depth = deepest = 0
    in_string = False
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep")
        return super().parse(io.BytesIO(body), media_type, parser_context)
