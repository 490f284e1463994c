"""What a `kubectl` command line asks for, read into a `KubeCall` the Kubernetes executor can do
through the API (rollout restart/undo/status, scale, get pods, logs), or None for anything else.

Apart from the executor so the reading of kubectl's flags can be tested and grown on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.domain.durations import parse_duration
from warroom.domain.shell_syntax import plain_words

_KINDS = {
    "deployment": "deployment",
    "deployments": "deployment",
    "deploy": "deployment",
    "deployment.apps": "deployment",
    "statefulset": "statefulset",
    "statefulsets": "statefulset",
    "sts": "statefulset",
    "statefulset.apps": "statefulset",
}
_PODS = {"pod", "pods", "po"}


@dataclass(slots=True)
class KubeCall:
    verb: str  # rollout-restart | rollout-undo | rollout-status | scale | get-pods | logs
    kind: str = ""
    name: str = ""
    namespace: str | None = None
    all_namespaces: bool = False
    selector: str = ""
    replicas: int | None = None
    to_revision: int | None = None
    container: str = ""
    tail: int | None = None
    since_s: int | None = None
    output: str = ""
    timeout_s: float | None = None
    watch: bool = True
    extra: list[str] = field(default_factory=list)


def _duration(text: str) -> int:
    """kubectl's `--since=1h30m` / `--timeout=90s`; a bad one raises ValueError like `int()`."""
    return int(parse_duration(text, what=text))


def parse_kubectl(command: str) -> KubeCall | None:
    """The API form of a simple kubectl command, or None when only kubectl can do it."""
    words = plain_words(command)
    if words is None:
        return None
    if len(words) < 2 or words[0] != "kubectl":
        return None
    opts: dict[str, str] = {}
    flags: set[str] = set()
    pos: list[str] = []
    takes = {
        "-n": "namespace",
        "--namespace": "namespace",
        "-l": "selector",
        "--selector": "selector",
        "--replicas": "replicas",
        "--to-revision": "to_revision",
        "-c": "container",
        "--container": "container",
        "--tail": "tail",
        "--since": "since",
        "-o": "output",
        "--output": "output",
        "--timeout": "timeout",
        "--watch": "watch",
        "-w": "watch",
    }
    i = 0
    args = words[1:]
    while i < len(args):
        a = args[i]
        if a.startswith("--") and "=" in a:
            key, value = a.split("=", 1)
            if key not in takes:
                return None
            opts[takes[key]] = value
        elif a in {"-A", "--all-namespaces"}:
            flags.add("all")
        elif a in {"-w", "--watch"}:
            opts["watch"] = "true"
        elif a in takes and i + 1 < len(args):
            opts[takes[a]] = args[i + 1]
            i += 1
        elif a.startswith("-"):
            return None  # -f follow, --context, -o wide … : kubectl itself
        else:
            pos.append(a)
        i += 1
    call: KubeCall
    if pos[:1] == ["rollout"] and len(pos) >= 3 and pos[1] in {"restart", "undo", "status"}:
        call = KubeCall("rollout-" + pos[1])
        target = pos[2:]
    elif pos[:1] == ["scale"] and len(pos) >= 2 and "replicas" in opts:
        call = KubeCall("scale", replicas=int(opts["replicas"]))
        target = pos[1:]
    elif pos[:1] == ["get"] and len(pos) in {2, 3} and pos[1] in _PODS:
        call = KubeCall("get-pods", kind="pod", name=pos[2] if len(pos) == 3 else "")
        target = []
        if opts.get("output", "") not in {"", "name", "json"}:
            return None
    elif pos[:1] == ["logs"] and len(pos) == 2:
        name = pos[1]
        if "/" in name:
            kind, _, name = name.partition("/")
            if kind not in _PODS:
                return None
        call = KubeCall("logs", kind="pod", name=name)
        target = []
        if "watch" in opts:
            return None
    else:
        return None
    if target:
        if len(target) == 1 and "/" in target[0]:
            kind, _, name = target[0].partition("/")
        elif len(target) == 2:
            kind, name = target
        else:
            return None
        if kind not in _KINDS or not name:
            return None
        if call.verb != "scale" and _KINDS[kind] != "deployment":
            return None
        call.kind, call.name = _KINDS[kind], name
    call.namespace = opts.get("namespace")
    call.all_namespaces = "all" in flags
    call.selector = opts.get("selector", "")
    call.container = opts.get("container", "")
    call.output = opts.get("output", "")
    if "to_revision" in opts:
        call.to_revision = int(opts["to_revision"])
    if "tail" in opts:
        call.tail = int(opts["tail"])
    if "since" in opts:
        call.since_s = _duration(opts["since"])
    if "timeout" in opts:
        call.timeout_s = float(_duration(opts["timeout"]))
    if call.verb == "rollout-status" and opts.get("watch") == "false":
        call.watch = False
    return call
