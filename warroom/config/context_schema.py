"""The config sections of the Service region's sources: docker, kubernetes, change commands.

Kept beside `schema` (which imports them into `EnvironmentSection`) so that file stays small;
same rules: msgspec Structs, every field documented and bounded, one-line errors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field


def _doc(text: str, *, ge: float | None = None, le: float | None = None) -> Meta:
    """A field's description (the README reference is made of these) and its bounds."""
    if ge is None or le is None:
        return Meta(description=text)
    return Meta(description=text, ge=ge, le=le)


# a Kubernetes/Docker label name: an optional DNS-subdomain prefix and a name of 63 at most
_LABEL_NAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
LabelName = Annotated[str, Meta(pattern=_LABEL_NAME, max_length=317)]


class DockerSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[environments.NAME.docker]`: the service's containers and their events, read-only."""

    enabled: Annotated[
        bool | None, _doc("unset: when a daemon answers; false: never; true: always (say if down)")
    ] = None
    host: Annotated[
        str, _doc('daemon address, e.g. "unix:///run/docker.sock"; "" = DOCKER_HOST or local')
    ] = ""
    selector_label: Annotated[
        LabelName | Literal[""],
        _doc('a label whose value names the service; "" = compose labels, then the name'),
    ] = ""
    project: Annotated[str, _doc('the compose project the service is in ("" = any)')] = ""
    timeout_s: Annotated[
        float, _doc("seconds for one call to the daemon, 0.1 to 120", ge=0.1, le=120)
    ] = 5.0


class KubernetesSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[environments.NAME.kubernetes]`: the service's workload, pods, rollout and events."""

    enabled: Annotated[
        bool | None, _doc("unset: when a kubeconfig (or in-cluster) exists; false: never")
    ] = None
    kubeconfig: Annotated[
        str, _doc('kubeconfig file(s), ":"-separated as in KUBECONFIG; "" = KUBECONFIG or ~/.kube')
    ] = ""
    context: Annotated[str, _doc('kubeconfig context; "" = the current-context, as kubectl')] = ""
    namespace: Annotated[
        str, _doc('"" = every namespace allowed (else the context\'s namespace)')
    ] = ""
    selector_labels: Annotated[
        list[LabelName],
        Meta(min_length=1, max_length=8),
        _doc("labels whose value names the service's workload, best first"),
    ] = field(default_factory=lambda: ["app.kubernetes.io/name", "app"])
    timeout_s: Annotated[float, _doc("seconds for one API request, 0.1 to 120", ge=0.1, le=120)] = (
        5.0
    )


class ChangeCommandSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[environments.NAME.changes]]`: a command whose output lines `ISO-time<TAB>text` are
    changes (`git log --format=%cI%x09%s`, a deploy tool's history). `$service` in an
    argument is the service in scope. Run without a shell, in a clean environment."""

    name: Annotated[str, _doc("shown as the changes' source (required)")]
    command: Annotated[
        list[str], Meta(min_length=1, max_length=64), _doc("argv, no shell (required)")
    ]
    timeout_s: Annotated[
        float, _doc("seconds before the command is killed, 0.1 to 120", ge=0.1, le=120)
    ] = 10.0
    every_s: Annotated[
        float, _doc("run it at most this often (seconds, 1 to 86400)", ge=1, le=86400)
    ] = 60.0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("name: missing")
        if not self.command[0].strip():
            raise ValueError("command: the first word (the program) is empty")
