"""HTTP steps (`METHOD URL`, headers, body): judged by method and by the API they reach."""

from __future__ import annotations

from warroom.domain.runbooks import Risk
from warroom.domain.step_risk.web import method_risk


def classify_http(request: str) -> Risk:
    first = request.strip().split("\n", 1)[0].split() if request.strip() else []
    method = first[0] if first else "GET"
    url = first[1] if len(first) > 1 else ""
    return method_risk(method, url)
