"""The kubeconfig as kubectl reads it, for every part that talks to Kubernetes (the Service
region's source and the runbook steps' executor): one way to find the files and the context.

kubectl merges every file in `KUBECONFIG` and takes `current-context` from the first file that
sets one; the official client lets the last file's win. So the context is chosen here and handed
to `load_kube_config` by name. Blocking (reads files, imports the client): call it in a thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from warroom.domain.errors import SourceError, SourceUnavailable

SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def kubeconfig_files(kubeconfig: str = "", environ: Mapping[str, str] | None = None) -> list[str]:
    """The kubeconfig files kubectl would read, in order, those that exist."""
    env = os.environ if environ is None else environ
    value = kubeconfig or env.get("KUBECONFIG", "") or "~/.kube/config"
    paths = [os.path.expanduser(p) for p in value.split(os.pathsep) if p]
    return [p for p in dict.fromkeys(paths) if os.path.isfile(p)]


def in_cluster(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("KUBERNETES_SERVICE_HOST")) and os.path.isfile(f"{SERVICE_ACCOUNT}/token")


def kubernetes_reachable(kubeconfig: str = "", environ: Mapping[str, str] | None = None) -> bool:
    """Cheap, without importing the client: a kubeconfig file exists, or we run in a pod."""
    return bool(kubeconfig_files(kubeconfig, environ)) or in_cluster(environ)


def current_context(files: Sequence[str]) -> str:
    """kubectl's choice: the first file that sets a non-empty `current-context`."""
    import yaml

    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as exc:
            raise SourceUnavailable(f"kubernetes: cannot read kubeconfig {path}: {exc}") from None
        if isinstance(data, dict) and data.get("current-context"):
            return str(data["current-context"])
    return ""


def load_configuration(
    kubeconfig: str = "", context: str = "", environ: Mapping[str, str] | None = None
) -> tuple[Any, str]:
    """A client `Configuration` for the context kubectl would use (or `context`), and that
    context's namespace ("default" when it names none); in-cluster when no kubeconfig exists."""
    from kubernetes import client, config

    cfg = client.Configuration()
    files = kubeconfig_files(kubeconfig, environ)
    namespace = "default"
    try:
        if files:
            chosen = context or current_context(files)
            if not chosen:
                raise SourceUnavailable(
                    "kubernetes: no current-context in the kubeconfig; set one or "
                    "[environments.NAME.kubernetes] context"
                )
            joined = os.pathsep.join(files)
            config.load_kube_config(
                config_file=joined, context=chosen, client_configuration=cfg, persist_config=False
            )
            contexts, _ = config.list_kube_config_contexts(config_file=joined)
            for ctx in contexts or ():
                if ctx.get("name") == chosen:
                    namespace = (ctx.get("context") or {}).get("namespace") or namespace
        elif in_cluster(environ):
            config.load_incluster_config(client_configuration=cfg)
            with open(f"{SERVICE_ACCOUNT}/namespace", encoding="utf-8") as fh:
                namespace = fh.read().strip() or namespace
        else:
            raise SourceUnavailable("kubernetes: no kubeconfig found and not in a cluster")
    except SourceError:
        raise
    except Exception as exc:
        raise SourceUnavailable(f"kubernetes: cannot load the kubeconfig: {exc}") from None
    return cfg, namespace
