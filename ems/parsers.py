"""The API's JSON parser: DRF's, with a body nested too deeply for Python answered 400, not 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            # json recurses once per array or object level; DRF only turns ValueError into 400.
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
