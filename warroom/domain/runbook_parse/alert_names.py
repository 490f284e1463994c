"""What counts as an alert name, and where pages write one.

A name looks like a Prometheus alert name: an identifier in CamelCase (`KubePodCrashLooping`,
`TaskSchedulerAPIDown`) or lower-camel behind a known group prefix (`etcdMembersDown`). Never a
plain English word, a product name or a Kubernetes kind: the wrong runbook at 3 a.m. is worse
than none, so precision beats recall here.
"""

from __future__ import annotations

import re

from warroom.domain.runbook_parse.drafts import word_set
from warroom.domain.shell_syntax.memo import memo

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.\-]*$")  # what an explicit label may name
_CAMEL = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
# lower-camel alert groups as the prometheus-operator, kubernetes-mixin and exporters name them
GROUP_PREFIXES = (
    "etcd|kube|kubelet|node|prometheus|alertmanager|thanos|loki|cortex|mimir|grafana|tempo|"
    "argocd|cert|coredns|cilium|calico|istio|envoy|nginx|haproxy|redis|postgres|pg|mysql|"
    "mongodb|elasticsearch|kafka|rabbitmq|ceph|velero|vault|consul|nomad|jvm|windows|"
    "blackbox|sidekiq|gitaly|patroni|pgbouncer|memcached|minio|clickhouse|cassandra|zookeeper|"
    "container|pod|cluster|apiserver|scheduler|controller|fluentd|fluentbit|vector|traefik"
)
_LOWER_CAMEL = re.compile(rf"^(?:{GROUP_PREFIXES})[A-Z][A-Za-z0-9_]*$")
NOT_ALERTS = word_set("""PostgreSQL MySQL MariaDB MongoDB JavaScript TypeScript GitHub GitLab BitBucket PagerDuty
    OpsGenie VictorOps DevOps DevSecOps CloudWatch CloudTrail CloudFormation CloudFlare DataDog
    NewRelic NodeJS NextJS OAuth GraphQL PowerShell YouTube LinkedIn WordPress WhatsApp RabbitMQ
    ActiveMQ ZeroMQ ElasticSearch OpenSearch OpenShift OpenStack OpenTelemetry OpenSSL OpenSSH
    OpenVPN WireGuard SQLite IPv4 IPv6 VMware PgBouncer HAProxy CoreDNS KubeDNS DynamoDB BigQuery
    BigTable CosmosDB CockroachDB ClickHouse TimescaleDB InfluxDB VictoriaMetrics NoSQL FastAPI
    GitOps ChatOps ArgoCD FluxCD HashiCorp TeamCity SonarQube ZooKeeper CentOS RedHat FreeBSD
    MacOS IntelliJ PyCharm VSCode JetBrains DigitalOcean AlertManager StackDriver StatusPage
    SendGrid MailChimp CouchDB CouchBase ScyllaDB KeyDB SQLServer GitLabCI JupyterHub
    ServiceMonitor PodMonitor PrometheusRule AlertmanagerConfig ThanosRuler Probe ScrapeConfig
    ConfigMap DaemonSet StatefulSet ReplicaSet ReplicationController CronJob PersistentVolume
    PersistentVolumeClaim StorageClass VolumeSnapshot ServiceAccount ClusterRole ClusterRoleBinding
    RoleBinding NetworkPolicy LoadBalancer ClusterIP NodePort ExternalName HorizontalPodAutoscaler
    VerticalPodAutoscaler PodDisruptionBudget IngressClass EndpointSlice ResourceQuota LimitRange
    PriorityClass CustomResourceDefinition MachineConfig MachineConfigPool MachineSet
    ClusterOperator ClusterVersion ImageStream BuildConfig DeploymentConfig NotReady
    SchedulingDisabled CrashLoopBackOff ImagePullBackOff ErrImagePull OOMKilled ContainerCreating
    PodInitializing DiskPressure MemoryPressure PIDPressure NetworkUnavailable ReadOnly
    ReadWriteOnce ReadWriteMany ReadOnlyMany AccessShare RowShare RowExclusive
    ShareUpdateExclusive ShareRowExclusive AccessExclusive ShareLock ExclusiveLock ClientRead
    TODO README FAQ SRE HTTP HTTPS API TLS SSL DNS JSON YAML""")


# words alert names are made of: a condition (Down, TooMany, FillingUp) or a monitored part
_CONDITION = re.compile(
    r"down|high|low|critical|warning|warn|errors?|fail\w*|slow|full|filling|latency|lag\w*|"
    r"missing|absent|expir\w*|crash\w*|restart\w*|oom\w*|throttl\w*|saturat\w*|exceed\w*|"
    r"too|many|large|degraded|unavailable|unhealthy|stuck|pending|behind|usage|overcommit\w*|"
    r"mismatch\w*|flapping|spikes?|rate|backlog|offline|breach|corruption|attempts?|"
    r"violations?|denied|timeouts?|dropp?\w*|rejected|outage|unreachable|notready|no|not|"
    r"pressure|leak\w*|burn\w*|budget|slo|sla|apdex|quota|limit\w*|exhaust\w*|overload\w*|"
    r"stale|suspicious|unschedulable|evicted|waiting|changes|flap\w*|orphan\w*|invalid|"
    r"inconsistent|lost|dead|hung|skew|drift|unsynced|outdated|expiring|abuse|spam|leader|"
    r"halted|disabled|inactive|insecure|deprecated|status|health|blocked|paused|incorrect\w*|"
    r"only|risk|alert|disconnected|unknown|unused|leaking|growing|overdue|ratio|count|spread",
    re.IGNORECASE,
)
_PARTS = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|[0-9_]|$)|[A-Z][a-z]+|[A-Z]+|[a-z]+|[0-9]+")


@memo()
def is_alert_like(name: str, *, strict: bool = False) -> bool:
    """`KubePodCrashLooping`, `etcdMembersDown`; not `PostgreSQL`, `NotReady`, `CPUs`.

    `strict` is for names nothing marks as an alert (a bare heading, a file name, a list
    item): then the name must also say what is wrong (`...Down`, `...TooLarge`) or start with a
    monitored group (`Kube...`, `etcd...`), so `CloudFront` or `PlantUML` is no alert."""
    if not _IDENT.match(name) or name in NOT_ALERTS or len(name) < 4:
        return False
    if re.fullmatch(r"[A-Z]{2,}s", name) or ("_" in name and re.search(r"_[a-z]+_", name)):
        return False  # `CPUs`, `ELBs`; `Connect_to_Rails_Console`
    parts = _PARTS.findall(name)
    if _LOWER_CAMEL.match(name):
        return True
    camel = (
        bool(_CAMEL.match(name))
        and sum(ch.isupper() for ch in name) >= 2
        and any(ch.islower() for ch in name)
    )
    if not camel or not strict:
        return camel
    group = parts[0].lower() if parts else ""
    in_group = bool(re.fullmatch(GROUP_PREFIXES, group)) and len(parts) > 1
    return in_group or any(_CONDITION.fullmatch(p) for p in parts)


def split_alert_names(text: str) -> list[str]:
    """`A`, `B` or `C` (severity: critical) -> [A, B, C]: names as an explicit label lists them."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"\s[-–—]\s.*$", " ", text)
    names: list[str] = []
    for part in re.split(r",|;|/|\bor\b|\band\b|\s&\s|\s\|\s", text):
        word = part.strip().strip("*_").strip().strip("`'\"").strip()
        if word and ALERT_NAME.match(word) and word not in names:
            names.append(word)
    return names


def _plain(text: str) -> str:
    """Markdown emphasis and links taken out of a heading or label."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|\*)", "", text).strip()


# `# Runbook: X`, `# Title: X`, `##### Alert Name: "X"`, `## Alert: X`, `## alertname: X`
_PREFIXED = re.compile(
    r"^(?:runbook|title|alert(?:\s*name)?s?|alertname|alert\s+rule)\s*[:\-–—]\s*(.+)$",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\(\s*`([^`]+)`\s*\)")


def _quoted_name(word: str) -> str | None:
    """A name someone quoted or backticked after an explicit `Alert:`: trusted a bit more."""
    m = re.match(r"^[`'\"“]([A-Za-z][A-Za-z0-9_:.\-]*)[`'\"”]$", word.strip())
    return m.group(1) if m else None


def names_after_label(value: str) -> list[str]:
    """The names after `Alert:`/`Alert Name:`: alert-like, or quoted/backticked identifiers."""
    out: list[str] = []
    for part in re.split(r",|;|\s/\s|\bor\b|\band\b|\s&\s", re.sub(r"\([^)]*\)", " ", value)):
        part = part.strip().strip("*_").strip()
        quoted = _quoted_name(part)
        name = quoted or part
        trusted = is_alert_like(name) or bool(quoted and ALERT_NAME.match(quoted))
        if name and trusted and name not in out:
            out.append(name)
    return out


_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[A-Z][.)])\s+")
_TAIL = re.compile(r"\s+(?:[-–—:|]\s+.*|\(.*\)|\[.*\])$")
_WORD_NAMED = re.compile(
    r"^(?:alert\s+)?`?([A-Za-z][A-Za-z0-9_]*)`?(?:\s+(?:alerts?|runbook|playbook|firing))?$",
    re.IGNORECASE,
)


def heading_alerts(raw_title: str, *, page_title: bool = False) -> list[str]:
    """The alerts a heading names (see `_heading_alerts`), a list of the caller's own."""
    return list(_heading_alerts(raw_title, page_title))


@memo()
def _heading_alerts(raw_title: str, page_title: bool) -> tuple[str, ...]:
    return tuple(_find_heading_alerts(raw_title, page_title))


def _find_heading_alerts(raw_title: str, page_title: bool) -> list[str]:
    """The alerts a heading names, in every common form; [] for any other heading.

    `KubePodCrashLooping`, `` `etcdMembersDown` ``, `API Down (`APIDown`)`, `Runbook: X`,
    `Title: X`, `Alert Name: "X"`, `1. X`, `X - what it means`, `X (critical)`, `X alert`,
    `A, B and C` (every part a name). A bare name is held to `is_alert_like(strict=True)`
    unless it is the `page_title` (the one H1 a one-alert page opens with)."""
    title = _NUMBERED.sub("", _plain(raw_title))
    found = [m.strip() for m in _PARENS.findall(title) if ALERT_NAME.match(m.strip())]
    if found:
        return found
    ticked = re.findall(r"`([^`]+)`", title)
    if ticked and len(ticked) < len(title) and all(is_alert_like(t) for t in ticked):
        return list(dict.fromkeys(ticked))  # "Inodes: `NodeInodesLow`"
    m = _PREFIXED.match(title)
    if m:
        return names_after_label(m.group(1))
    for candidate in (title, _TAIL.sub("", title)):
        m2 = _WORD_NAMED.match(candidate.strip())
        strict = "`" not in raw_title and not page_title
        if m2 and is_alert_like(m2.group(1), strict=strict):
            return [m2.group(1)]
    parts = [p.strip().strip("`") for p in re.split(r",|\s/\s|\bor\b|\band\b|\s&\s", title)]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(is_alert_like(p, strict=True) for p in parts):
        return parts
    return []


def is_alert_heading(raw_title: str) -> bool:
    """`## Alert`, `## Alert Name`, `## Alerts`: the name follows in the next paragraph."""
    return bool(re.match(r"^(?:alert(?:\s*name)?s?|alertname)\s*:?$", _plain(raw_title), re.I))


# `**Alert Name:** X`, `- **Alert Name:** `X``, `Alert: X or Y`, `**Alerts:** A, B`
_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:alert(?:\s*name)?s?|alertname)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)


def label_alerts(paragraph: str) -> list[str] | None:
    """The names an `Alert: ...` label paragraph gives, or None when it is no such label."""
    m = _LABEL.match(paragraph)
    if not m:
        return None
    first = m.group(1).split("\n")[0]
    return [n for n in split_alert_names(first) if _labelled_name(n)]


def _labelled_name(name: str) -> bool:
    """After an explicit `Alert:` label any identifier goes, but not a plain lower-case word
    ("Alert: none", "Alert: see below")."""
    return is_alert_like(name) or (name not in NOT_ALERTS and not name.islower() and len(name) > 1)


def paragraph_names(paragraph: str) -> list[str]:
    """Names the paragraph right under an `## Alert` heading gives: `X`, `` `X` ``, `X, Y`.
    A sentence there names nothing unless its code spans are alert names."""
    ticked = re.findall(r"`([^`\s]+)`", paragraph)
    rest = re.sub(r"`[^`]*`|[,;/]|\b(?:and|or)\b", " ", paragraph).strip(" .*_\n")
    if ticked and not rest:
        return [t for t in ticked if ALERT_NAME.match(t)]
    if ticked:
        return [t for t in ticked if is_alert_like(t)]
    word = _plain(paragraph).strip().strip("'\"")
    return [word] if is_alert_like(word) else []


def file_alert(path: str) -> str | None:
    """`etcdMembersDown.md` names its alert; `database.md` does not."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name[:-3] if name.lower().endswith(".md") else name
    return stem if is_alert_like(stem, strict=True) else None
