"""The API's browsable docs page (Swagger UI) under the site's Content-Security-Policy."""

import base64
import hashlib
import re

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import csp


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI whose start script is a file (`?script`), so no inline script runs.

    The page's one inline <style> block is allowed by its hash, computed from the rendered page
    (ems/csp.py lets a response that carries its own policy keep it).
    """

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:
            response.add_post_render_callback(lambda page: _allow_inline_styles(request, page))
        return response


def _allow_inline_styles(request, page) -> None:
    blocks = re.findall(rb"<style>(.*?)</style>", page.content, flags=re.DOTALL)
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'" for block in blocks
    ]
    page[csp.HEADER] = csp.policy_for(request, **{"style-src": " ".join(["'self'", *hashes])})
