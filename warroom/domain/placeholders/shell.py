"""Values into shell steps, quoted once for every program that will read them.

Each placeholder is first replaced by an inert sentinel word; then, level by level, we ask
where the sentinel sits (plain, "…", '…', heredoc, arithmetic) and which program reads its word
(`readers.reader_of`). For a nested shell (`bash -c`, `eval`, `ssh host "…"`, `kubectl exec --
sh -c`, `xargs sh -c`, a heredoc into a shell) we find what must appear in the inner script
first, then quote *that* for the outer level, so each shell unquotes exactly once. Program text
(awk, sed, jq, SQL, interpreters), arithmetic and patterns take only values that cannot change
them; everything else is refused with a one-line reason (`UnsafeValue`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping

from warroom.domain import shell_syntax as sx
from warroom.domain.placeholders import values as check
from warroom.domain.placeholders.names import Found
from warroom.domain.placeholders.programs import CODE_FLAGS, INTERPRETERS, Verdict
from warroom.domain.placeholders.readers import SHELLS, reader_of
from warroom.domain.placeholders.values import UnsafeValue
from warroom.domain.shell_syntax.programs import word_set

_MAX_DEPTH = 6
_DATA_SINKS = word_set(
    "cat tee grep wc sort uniq head tail base64 sha256sum md5sum diff column less more dd"
)
_YAML_READERS = frozenset({"kubectl", "oc", "helm", "kustomize"})
_YAML_SAFE = re.compile(r"[A-Za-z0-9][\w./@+-]*")


def sentinel(k: int) -> str:
    return f"WRPLH{k:03d}QZ"


def render(command: str, found: list[Found], filled: Mapping[str, str]) -> str:
    """`command` with every placeholder replaced by its value, quoted for its readers."""
    marked, pos = [], 0
    for k, f in enumerate(found):
        marked += [command[pos : f.start], sentinel(k)]
        pos = f.end
    marked.append(command[pos:])
    script = "".join(marked)
    out, pos = [], 0
    for k, f in enumerate(found):
        value = filled[f.name]
        try:
            piece = place(script, sentinel(k), value, f.name, 0)
        except UnsafeValue as exc:  # name the value as given, not an inner level's quoting
            raise UnsafeValue(f.name, value, exc.reason) from None
        out += [command[pos : f.start], piece]
        pos = f.end
    out.append(command[pos:])
    return "".join(out)


def place(script: str, sent: str, value: str, name: str, depth: int) -> str:
    """What to write in place of `sent` in `script` so that its reader sees `value` literally."""
    if depth > _MAX_DEPTH:
        raise UnsafeValue(name, value, "shells nested too deep to quote safely")
    off = script.index(sent)
    ctx = sx.scan(script, (off,)).contexts.get(off, sx.PLAIN)
    if ctx == sx.OTHER:
        raise UnsafeValue(name, value, "it sits inside ${…}, where no quoting is safe")
    if ctx == sx.BACKTICK:
        return _in_backticks(script, off, sent, value, name, depth)
    if ctx == sx.ARITH:
        return check.integer(name, value, "$(( )) / (( ))")
    if ctx in (sx.HEREDOC, sx.HEREDOC_QUOTED):
        return _in_heredoc(script, off, sent, value, name, depth, ctx)
    verdict, word, prev = _verdict(script, sent)
    literal = _literal(verdict, sent, value, name, depth)
    if verdict.how in {"arg", "url", "regex", "glob"}:
        check.in_word(name, value, word, sent, prev)
    return quote_for(ctx, literal, name)


def _in_backticks(script: str, off: int, sent: str, value: str, name: str, depth: int) -> str:
    """`…` is a shell inside the shell that first strips one backslash before \\ ` $."""
    start = max(m.start() for m in re.finditer(r"(?<!\\)`", script[:off]))
    end = sx.closing(script, start)
    inner = re.sub(r"\\([\\`$])", r"\1", script[start + 1 : end - 1])
    piece = place(inner, sent, value, name, depth + 1)
    in_double = sx.scan(script, (start,)).contexts.get(start) == sx.DOUBLE
    if in_double and '"' in piece:
        raise UnsafeValue(name, value, 'inside "`…`" a quote cannot be placed safely')
    return re.sub(r"([\\`$])", r"\\\1", piece)


def _verdict(script: str, sent: str) -> tuple[Verdict, str, str]:
    """How the sentinel's word is read, the word itself and the word before it."""
    parts = [(p, sep) for p, sep in sx.command_parts(script) if sent in p]
    if not parts:
        return Verdict("refuse", "warroom cannot tell which command reads it"), "", ""
    index = min(range(len(parts)), key=lambda j: len(parts[j][0]))
    part, sep = parts[index]
    try:
        words = shlex.split(part, comments=False)
    except ValueError:
        return Verdict("refuse", "the command around it does not parse"), "", ""
    idx = next((j for j, w in enumerate(words) if sent in w), -1)
    if idx < 0:
        return Verdict("refuse", "warroom cannot tell which word it is"), "", ""
    verdict = reader_of(words, idx, sent)
    if verdict.how != "refuse" and sep in {"|", "|&"}:
        reader = _pipe_reader(script, part)
        if reader:
            why = f"its command's output is piped into {reader}, which runs it"
            return Verdict("refuse", why), "", ""
    return verdict, words[idx], words[idx - 1] if idx else ""


def _pipe_reader(script: str, part: str) -> str:
    """The shell or interpreter reading the pipeline after `part` as code, if any."""
    parts = sx.command_parts(script)
    names = [p for p, _ in parts]
    k = names.index(part)
    while k < len(parts) and parts[k][1] in {"|", "|&"} and k + 1 < len(parts):
        k += 1
        try:
            words = shlex.split(parts[k][0])
        except ValueError:
            return "a command warroom cannot read"
        consumer = stdin_consumer(words)
        if consumer not in {"data", "yaml"}:
            return consumer
    return ""


def stdin_consumer(words: list[str]) -> str:
    """`shell`, `data`, `yaml`, or the name of the program that would run stdin as code."""
    words = [w for w in words if not re.fullmatch(r"\d?[<>]&?\d*-?|[<>]+\S*|\d?>>?\S+", w)]
    while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
        words = words[1:]
    if not words:
        return "data"
    prog = words[0].rsplit("/", 1)[-1]
    rest = words[1:]
    if prog in {"sudo", "env", "timeout", "nice", "nohup", "time", "stdbuf", "ionice", "setsid"}:
        skip = [
            w
            for w in rest
            if not w.startswith("-") and not re.fullmatch(r"\w+=.*|[\d.]+[smhd]?", w)
        ]
        return stdin_consumer(rest[rest.index(skip[0]) :]) if skip else "data"
    if prog in {"kubectl", "oc"} and "--" in rest:
        return stdin_consumer(rest[rest.index("--") + 1 :])
    if prog in {"docker", "podman"} and "exec" in rest:
        tail = rest[rest.index("exec") + 1 :]
        pos = [j for j, w in enumerate(tail) if not w.startswith("-")]
        return stdin_consumer(tail[pos[0] + 1 :]) if len(pos) > 1 else "data"
    if prog == "ssh":
        remote = [w for w in rest if not w.startswith("-")]
        return "shell" if len(remote) <= 1 else stdin_consumer(shlex.split(" ".join(remote[1:])))
    if prog in SHELLS:
        runs_script = any(re.fullmatch(r"-[a-z]*c[a-z]*", w) for w in rest)
        return f"{prog} -c (its script may read stdin as code)" if runs_script else "shell"
    if prog == "xargs":
        return "xargs (it turns input into command arguments)"
    if prog in _DATA_SINKS or (prog in {"grep", "jq", "yq"} and rest):
        return "data"
    if prog in _YAML_READERS:
        return "yaml"
    if prog in INTERPRETERS or prog in CODE_FLAGS or prog.startswith(("python", "perl")):
        return prog
    if prog in {"curl", "wget", "redis-cli", "nc", "ncat", "socat", "openssl", "gzip", "gunzip"}:
        return "data"
    return prog or "data"


def _literal(verdict: Verdict, sent: str, value: str, name: str, depth: int) -> str:
    """The text that must stand in the word for its reader, before this level's quoting."""
    how = verdict.how
    if how == "refuse":
        raise UnsafeValue(name, value, verdict.text)
    if how == "shell":
        return place(verdict.text, sent, value, name, depth + 1)
    if how == "stdin":
        opener, _, body = verdict.text.partition("\0")
        return _for_consumer(opener, body, sent, value, name, depth, "a here-string")
    if how == "integer":
        return check.integer(name, value, verdict.text)
    if how == "jqstring":
        return json.dumps(value, ensure_ascii=False)[1:-1]
    if how == "findnum":
        if not re.fullmatch(r"[0-9]{1,12}", value):
            raise UnsafeValue(name, value, f"{verdict.text} takes a number")
        return value
    check.argument(name, value, word_start=verdict.start)
    if how == "regex":
        check.regex_literal(name, value, verdict.text)
    elif how == "glob":
        check.glob_literal(name, value, verdict.text)
    elif how == "url":
        check.url_part(name, value)
    elif how == "wholeurl":
        check.whole_url(name, value)
    return value


def _in_heredoc(
    script: str, off: int, sent: str, value: str, name: str, depth: int, ctx: str
) -> str:
    found = sx.heredoc_at(script, off)
    if found is None:
        raise UnsafeValue(name, value, "warroom cannot tell which command reads this heredoc")
    opener, body = found
    literal = _for_consumer(opener, body, sent, value, name, depth, "a heredoc")
    return quote_for(ctx, literal, name)


def _for_consumer(
    opener: str, body: str, sent: str, value: str, name: str, depth: int, where: str
) -> str:
    try:
        consumer = stdin_consumer(shlex.split(opener))
    except ValueError:
        consumer = "a command warroom cannot read"
    if consumer == "shell":
        return place(body, sent, value, name, depth + 1)
    check.one_line_only(name, value, where)
    if consumer in {"data", "yaml"}:
        check.in_document(name, value, body, sent)
    if consumer == "data":
        return value
    if consumer == "yaml":
        if not _YAML_SAFE.fullmatch(value):
            raise UnsafeValue(
                name, value, f"it would change the YAML {where} feeds to {opener.split()[0]}"
            )
        return value
    raise UnsafeValue(name, value, f"{where} feeds it to {consumer}, which reads it as code")


def quote_for(ctx: str, literal: str, name: str) -> str:
    """Text that reads as `literal` in the quoting context `ctx` of one shell."""
    check.no_nul(name, literal)
    if ctx == sx.PLAIN:
        return shlex.quote(literal)
    if ctx == sx.DOUBLE:
        return '"' + shlex.quote(literal) + '"'  # close "…", one quoted word, reopen
    if ctx == sx.SINGLE:
        return "'" + shlex.quote(literal) + "'"
    if ctx in (sx.HEREDOC, sx.HEREDOC_QUOTED):
        check.one_line_only(name, literal, "a heredoc")
        if ctx == sx.HEREDOC:
            return re.sub(r"([\\$`])", r"\\\1", literal)
        return literal
    raise UnsafeValue(name, literal, "no safe quoting here")
