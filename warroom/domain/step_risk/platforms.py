"""kubectl and oc (kubectl plus its own verbs), docker and compose, helm.

`exec … -- CMD` takes the risk of CMD; `debug` at least a write (it adds a container);
`delete`, `drain`, `rollout undo`, `scale --replicas=0`, `--force --grace-period=0` destructive.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import word_set
from warroom.domain.step_risk.base import D, R, W, has_flag, positional, worst

Inner = Callable[[list[str]], Risk]

_KUBE_VALUE = word_set(
    "-n --namespace --context --cluster --user -l --selector -o --output -c --container "
    "--kubeconfig --tail --since --since-time -f --filename --field-selector --sort-by "
    "--template -L --label-columns --server -s --token --as --as-group --request-timeout "
    "-p --type --timeout --grace-period --max-log-requests --limit-bytes -k --kustomize "
    "--chunk-size --image --replicas --for --raw --subresource --patch "
    "--pod-running-timeout --profile --target --copy-to --reason --port --address "
    "--cascade --current-replicas --resource-version"
)
_KUBE_READ = word_set(
    "get describe logs top explain version api-resources api-versions cluster-info events "
    "diff wait completion kustomize port-forward proxy status whoami projects"
)
_OC_READ = frozenset({"status", "whoami", "projects", "observe"})


def _kube(args: list[str], inner: Inner, oc: bool = False) -> Risk:
    if "--" in args:
        before, after = args[: args.index("--")], args[args.index("--") + 1 :]
    else:
        before, after = args, []
    pos = positional(before, _KUBE_VALUE)
    if not pos:
        return R
    sub, rest = pos[0], pos[1:]
    forced = has_flag(before, "--force") and any(
        a in {"--grace-period=0", "--grace-period=1", "--now"}
        or (a == "--grace-period" and before[k + 1 : k + 2] == ["0"])
        for k, a in enumerate(before)
    )
    if forced:
        return D
    if sub in _KUBE_READ or (oc and sub in _OC_READ):
        return R
    if sub == "auth":
        return R if rest[:1] in (["can-i"], ["whoami"]) else W
    if sub == "config":
        return (
            R
            if rest[:1]
            in (["view"], ["get-contexts"], ["current-context"], ["get-clusters"], ["get-users"])
            else W
        )
    if sub == "plugin":
        return R if rest[:1] == ["list"] else W
    if sub == "rollout":
        action = rest[0] if rest else ""
        if action in {"status", "history"}:
            return R
        return D if action == "undo" else W
    if sub in {"exec", "rsh"}:
        command = after or (rest[1:] if sub == "rsh" else [])
        return inner(command) if command else W  # no command: an interactive shell
    if sub in {"debug", "run", "attach"}:
        return worst(W, inner(after)) if after else W
    if sub in {"delete", "drain"}:
        return D
    if sub == "replace":
        return D if has_flag(before, "--force") else W
    if sub == "scale":
        return D if _replicas_zero(before) else W
    if sub == "patch" and re.search(r"[\"']?replicas[\"']?\s*:\s*[\"']?-?0+\b", " ".join(before)):
        return D  # patched to no replicas
    if sub == "taint":
        return D if any(a.endswith(":NoExecute") for a in rest) else W
    if oc and sub == "project":
        return R if not rest else W
    if oc and sub == "idle":
        return D  # scales to zero
    if oc and sub == "adm":
        return _oc_adm(rest, before)
    if oc and sub in {"image", "release"}:
        return R if rest[:1] == ["info"] else W
    if oc and sub == "policy":
        return R if rest[:1] in (["who-can"], ["scc-subject-review"], ["scc-review"]) else W
    if sub == "certificate":
        return W
    return W


def _replicas_zero(args: list[str]) -> bool:
    """`--replicas=0`, `--replicas 00`, `--replicas=-0`: anything that parses to no replicas."""
    values = [a.split("=", 1)[1] for a in args if a.startswith("--replicas=")]
    values += [args[k + 1] for k, a in enumerate(args[:-1]) if a == "--replicas"]
    return any(_at_most_zero(v) for v in values)


def _at_most_zero(text: str) -> bool:
    try:
        return int(text.strip().strip("'\"")) <= 0
    except ValueError:
        return False


def _oc_adm(rest: list[str], before: list[str]) -> Risk:
    verb = rest[0] if rest else ""
    if verb in {"top", "node-logs", "inspect", "who-can", "release"} and rest[1:2] != ["new"]:
        return R
    if verb == "upgrade":
        return (
            R
            if not has_flag(before, "--to", "--to-latest", "--to-image", "--clear", "--force")
            else W
        )
    if verb in {"drain", "prune"}:
        return D
    return W


def _kubectl(args: list[str], inner: Inner) -> Risk:
    return _kube(args, inner)


def _oc(args: list[str], inner: Inner) -> Risk:
    return _kube(args, inner, oc=True)


_DOCKER_READ = word_set(
    "ps logs inspect stats images top events version info port diff history search"
)
_DOCKER_DESTRUCTIVE = frozenset(["rm", "rmi", "kill", "prune", "stop"])
_DOCKER_OBJECTS = word_set(
    "container image network volume system builder node service stack secret config "
    "plugin context buildx manifest swarm"
)
_DOCKER_OBJECT_READ = word_set(
    "ls list inspect logs top stats port diff history df info events ps services show"
)
_DOCKER_EXEC_VALUE = word_set("-e --env -u --user -w --workdir --env-file --detach-keys")
_DOCKER_GLOBAL = word_set(
    "-H --host -c --context --config -l --log-level --tlscacert --tlscert --tlskey"
)


def _docker(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _DOCKER_GLOBAL)
    if not pos:
        return R
    sub = pos[0]
    rest = args[args.index(sub) + 1 :]
    if sub == "compose":
        return _compose(rest, inner)
    if sub in _DOCKER_READ:
        return R
    if sub in _DOCKER_DESTRUCTIVE:
        return D
    if sub == "exec":
        return _docker_exec(rest, inner)
    if sub in _DOCKER_OBJECTS and len(pos) > 1:
        verb = pos[1]
        if verb in _DOCKER_OBJECT_READ:
            return R
        if verb in {"rm", "remove", "prune", "kill", "stop", "leave", "disconnect"}:
            return D
        if sub == "container" and verb == "exec":
            return _docker_exec(rest[rest.index("exec") + 1 :], inner)
    return W


def _docker_exec(args: list[str], inner: Inner) -> Risk:
    k = 0
    while k < len(args) and args[k].startswith("-"):
        k += 2 if args[k] in _DOCKER_EXEC_VALUE else 1
    command = args[k + 1 :]
    return inner(command) if command else W


_COMPOSE_VALUE = word_set(
    "-f --file -p --project-name --project-directory --env-file --profile --ansi --parallel"
)


def _compose(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _COMPOSE_VALUE)
    if not pos:
        return R
    sub = pos[0]
    if sub in {"ps", "logs", "config", "top", "images", "ls", "version", "port", "events"}:
        return R
    if sub in {"down", "rm", "kill", "stop"}:
        return D
    if sub == "exec":
        rest = args[args.index("exec") + 1 :]
        return _docker_exec(rest, inner)
    scales = [args[k + 1] for k, a in enumerate(args[:-1]) if a == "--scale"]
    scales += [a.split("=", 1)[1] for a in args if a.startswith("--scale=")]
    if any(_at_most_zero(v.rpartition("=")[2]) for v in scales):
        return D  # a service scaled to nothing
    return W


def _helm(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        word_set(
            "-n --namespace --kube-context -o --output --revision -f --values --set --version"
        ),
    )
    if not pos:
        return R
    if pos[0] in {
        "list",
        "ls",
        "status",
        "history",
        "get",
        "show",
        "version",
        "search",
        "env",
        "template",
        "lint",
        "diff",
        "verify",
    }:
        return R
    if pos[0] in {"repo", "dependency", "plugin"}:
        return R if pos[1:2] == ["list"] else W
    if pos[0] in {"rollback", "uninstall", "delete", "del", "un"}:
        return D
    return W


PLATFORMS: dict[str, Callable[[list[str], Inner], Risk]] = {
    "kubectl": _kubectl,
    "k": _kubectl,
    "oc": _oc,
    "docker": _docker,
    "podman": _docker,
    "nerdctl": _docker,
    "docker-compose": _compose,
    "podman-compose": _compose,
    "helm": _helm,
}
