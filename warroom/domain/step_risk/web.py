"""HTTP clients by method: GET read; POST/PUT/PATCH or a body write; DELETE destructive.

A POST to a known read-only query API (Prometheus `/api/v1/query`, Loki, Elasticsearch
`_search`) is read; admin paths that delete data or stop a server are destructive.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import CURL_OPTIONS, word_set
from warroom.domain.step_risk.base import D, R, W, positional

Inner = Callable[[list[str]], Risk]


QUERY_APIS = re.compile(
    r"/api/v1/(query|query_range|query_exemplars|series|labels|label/[^/?]+/values|format_query|"
    r"parse_query|metadata|targets|rules|alerts|status/\w+)(\?|$|#)|/loki/api/v1/(query|query_range|"
    r"labels|label/[^/?]+/values|series)(\?|$)|/_(search|count|msearch|validate/query|field_caps|"
    r"mget|explain|sql)(\?|$|/)|/graphql\?query=\{"
)


DANGEROUS_PATHS = re.compile(
    r"/api/v1/admin/tsdb/delete_series|/_delete_by_query|/-/quit|/_shutdown|/api/v2/silences/|"
    r"/_cluster/settings|/api/v1/admin/tsdb/clean_tombstones"
)


def method_risk(method: str, url: str) -> Risk:
    """The risk of one HTTP request."""
    method = method.upper()
    if DANGEROUS_PATHS.search(url):
        return D if method != "GET" else R
    if method in {"GET", "HEAD", "OPTIONS"}:
        return R
    if method == "DELETE":
        return D
    if method == "POST" and QUERY_APIS.search(url):
        return R
    return W


def _curl(args: list[str], inner: Inner) -> Risk:
    method, body, get = "", False, False
    risks: list[Risk] = []
    for k, a in enumerate(args):
        nxt = args[k + 1] if k + 1 < len(args) else ""
        if a in {"-X", "--request"}:
            method = nxt
        elif a.startswith("-X") and len(a) > 2:
            method = a[2:]
        elif a.startswith("--request="):
            method = a.split("=", 1)[1]
        elif a in {
            "-d",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "-F",
            "--form",
            "--json",
        } or a.startswith(("--data", "--json", "--form")):
            body = True
        elif a in {"-T", "--upload-file"}:
            method = method or "PUT"
        elif a in {"-G", "--get"}:
            get = True
        elif a in {"-I", "--head"}:
            method = method or "HEAD"
        elif (
            a in {"-K", "--config"}
            or (a in {"-o", "--output", "-c", "--cookie-jar"} and nxt != "/dev/null")
            or a
            in {
                "-O",
                "--remote-name",
            }
        ):
            risks.append(W)
    if not method:
        method = "POST" if body and not get else "GET"
    urls = [p for p in positional(args, CURL_OPTIONS) if "/" in p or "." in p] or [""]
    return max([*risks, *(method_risk(method, u) for u in urls)], key=[R, W, D].index)


def _wget(args: list[str], inner: Inner) -> Risk:
    method = "GET"
    for a in args:
        if a.startswith("--method="):
            method = a.split("=", 1)[1]
        elif a.startswith(("--post-data", "--post-file", "--body-data", "--body-file")):
            method = "POST" if method == "GET" else method
    urls = [p for p in positional(args, word_set("-O -o -a -P -U --header"))] or [""]
    risk = max((method_risk(method, u) for u in urls), key=[R, W, D].index)
    to_stdout = any(a in {"-O-", "-qO-", "-qO", "--spider"} for a in args) or any(
        a in {"-O", "--output-document"} and args[k + 1 : k + 2] in (["-"], ["/dev/null"])
        for k, a in enumerate(args)
    )
    return risk if to_stdout else max(risk, W, key=[R, W, D].index)


WEB_HANDLERS: dict[str, Callable[[list[str], Inner], Risk]] = {"curl": _curl, "wget": _wget}
