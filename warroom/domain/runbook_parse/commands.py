"""Does a line read as a command, and does it need the real terminal?

Used to tell commands from sample output and prose in blocks with no prompts and in inline
code, and to mark steps that open a shell, a REPL, an editor or a pager (the console suspends
itself for those; the lines a page types inside such a shell never run on the bastion).
"""

from __future__ import annotations

import re

from warroom.domain.runbook_parse.drafts import word_set
from warroom.domain.shell_syntax import split_simple_commands
from warroom.domain.shell_syntax.memo import memo

KNOWN_COMMANDS = word_set("""kubectl oc helm kustomize k9s kubectx kubens minikube kind eksctl aws gcloud az doctl
    docker podman crictl ctr nerdctl docker-compose systemctl journalctl service ls cat grep
    egrep fgrep zgrep rg head tail less more echo printf ps top htop df du free uptime netstat
    ss lsof ping dig nslookup host traceroute tracepath mtr jq yq awk gawk sed sort uniq wc cut
    tr tee find xargs curl wget http nc ncat telnet openssl ssh scp rsync sftp ip ifconfig route
    iptables ip6tables nft ufw firewall-cmd tcpdump strace ltrace gdb perf vmstat iostat mpstat
    sar pidstat dmesg lsblk blkid mount umount fdisk parted mkfs fsck resize2fs xfs_growfs lvs
    vgs pvs lvextend kill pkill killall pgrep nice renice timeout watch time env sudo su chroot
    nsenter chmod chown chgrp cp mv rm rmdir mkdir touch ln tar gzip gunzip zcat bzip2 xz unzip
    zip date hostname hostnamectl timedatectl uname whoami id groups last w who getent stat file
    md5sum sha256sum base64 psql pg_dump pg_restore pg_dumpall pg_basebackup pg_ctl pg_isready
    pg_controldata pg_resetwal patronictl gitlab-psql gitlab-rails gitlab-ctl gitlab-rake
    gitlab-backup mysql mysqldump mysqladmin redis-cli redis-server mongo mongosh mongodump
    sqlite3 etcdctl etcdutl consul vault nomad terraform ansible ansible-playbook git make
    python python3 pip pip3 node npm npx ruby irb rails bundle go java jcmd jstack jmap
    kafka-topics kafka-consumer-groups kafka-configs kafka-console-consumer kafka-console-producer
    kafka-topics.sh kafka-consumer-groups.sh kafka-configs.sh kafka-console-consumer.sh
    rabbitmqctl rabbitmq-diagnostics nginx apachectl haproxy certbot keytool update-ca-certificates
    promtool amtool alertmanager prometheus thanos logcli mc rclone s3cmd velero argocd flux
    istioctl linkerd cilium calicoctl virtctl crontab at logrotate sysctl modprobe lsmod
    ethtool ss nmcli resolvectl systemd-analyze loginctl useradd usermod passwd chage visudo
    vi vim nano emacs man export unset set source alias cd pushd popd read test true false
    exit trap wait sleep seq yes bash sh zsh dash ksh fish tmux screen lscpu lspci lsusb
    numactl taskset ionice stdbuf nohup setsid flock script column diff cmp comm paste join
    split csplit fold fmt nl od hexdump xxd strings readlink realpath basename dirname
    mktemp shred dd sync fallocate truncate swapon swapoff fuser pstree iotop iftop nethogs
    atop nmon glances cqlsh nodetool clickhouse-client influx etcd ceph rados rbd gluster
    ovs-vsctl conntrack arp arping bridge brctl wg tc dnf yum apt apt-get dpkg rpm snap
    apk zypper rc-service initctl launchctl reboot shutdown halt poweroff""")
# commands that take the terminal whatever their arguments
_ALWAYS_INTERACTIVE = word_set("""watch top htop atop iotop iftop nethogs nmon glances less more most man vi vim nvim nano
    emacs pico k9s tmux screen mc visudo vipw ncdu""")
# shells and REPLs: with no command of their own they open a session
_SHELLS = word_set("bash sh zsh dash ash ksh fish su")
_REPLS = word_set("""python python3 ipython irb node psql mysql redis-cli mongo mongosh sqlite3 cqlsh
    clickhouse-client gitlab-psql etcdctl-shell influx rails-console""")
_WRAPPERS = frozenset({"sudo", "time", "nice", "nohup", "ionice", "stdbuf", "command", "exec"})
_KEYWORDS = word_set("if for while until case select function do then time declare local")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WORD = re.compile(r"^[A-Za-z0-9_./~][\w./+@:-]*$")
_FUNCTION = re.compile(r"^\s*(?:function\s+([A-Za-z_][\w-]*)|([A-Za-z_][\w-]*)\s*\(\s*\))")


_SPACED_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]{0,80}>")


_TOKEN = re.compile(
    r"""(?:'[^']*'?|"(?:[^"\\]|\\.)*"?|\$\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)?|`[^`]*`?"""
    r"""|\\.?|[^\s'"\\])+"""
)  # a `$( … )` or backtick substitution stays inside its word
_QUOTE_PART = re.compile(r"""'([^']*)'?|"((?:[^"\\]|\\.)*)"?|\\(.?)""")


def words_of(command: str) -> list[str]:
    """Shell words with quotes taken off, in one linear pass (shlex is quadratic on long words);
    a `<pod name>` placeholder is one word, and an unclosed quote runs to the end."""
    command = _SPACED_PLACEHOLDER.sub(lambda m: m.group(0).replace(" ", "_"), command)
    return [
        _QUOTE_PART.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", token)
        for token in _TOKEN.findall(command)
    ]


def _skip_prefix(words: list[str]) -> list[str]:
    """Assignments and wrappers (`sudo -u x`, `env A=1`, `time`) taken off the front."""
    i = 0
    while i < len(words):
        w = words[i]
        if _ASSIGNMENT.match(w):
            i += 1
        elif w in _WRAPPERS or w == "env":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                takes = words[i] in {"-u", "-g", "-n", "-c", "-C"} and w in {"sudo", "nice"}
                i += 2 if takes else 1
        else:
            break
    return words[i:]


def first_word(command: str) -> str:
    rest = _skip_prefix(words_of(command.split("\n", 1)[0]))
    return rest[0] if rest else ""


def is_assignment_only(command: str) -> bool:
    """`NODE=x`, `export A=1 B=2`: sets shell state and runs nothing."""
    words = words_of(command)
    if words and words[0] in {"export", "local", "readonly", "declare", "typeset"}:
        words = [w for w in words[1:] if not w.startswith("-")]
    return bool(words) and all(_ASSIGNMENT.match(w) for w in words)


def defined_function(command: str) -> str | None:
    m = _FUNCTION.match(command)
    return (m.group(1) or m.group(2)) if m else None


@memo()
def reads_as_command(line: str, *, strict: bool = False) -> bool:
    """A known command (or, unless strict, a plausible program name) first, or an assignment.

    Not: sample output (`NAME  STATUS`, `notAfter=Aug 6 ...`), YAML (`key: value`), `...`.
    """
    text = line.strip()
    if not text or text.startswith(("#", "...", "//", "\\")):
        return False
    if not strict and (
        text.startswith(("./", "~/", "{", "!", "[ ", "[[")) or re.match(r"^\((?!\d)", text)
    ):
        return True
    if not strict and _FUNCTION.match(text):
        return True
    words = words_of(text)
    if not words:
        return False
    if is_assignment_only(text):
        return not strict
    rest = _skip_prefix(words)
    if not rest:  # `sudo -i`, `env`: a wrapper alone
        return not strict and words[0] in KNOWN_COMMANDS
    head = rest[0]
    if head in _KEYWORDS:
        return not strict
    if head in KNOWN_COMMANDS:
        return not strict or len(rest) > 1 or len(words) > len(rest)
    if strict or not _WORD.match(head) or head.endswith(":") or head.isupper():
        return False
    if re.search(r"\S {2,}\S", text) or rest[1:2] in (["="], [":"]):
        return False  # columns of output (`default   web-1   1/2   CrashLoopBackOff`), `m = ...`
    if head.isdigit() or re.match(r"^\d", head):
        return False
    # an unknown program name: lower case, and what follows looks like arguments, not prose
    return head.islower() or "/" in head or "-" in head


def _after_dashdash(words: list[str]) -> list[str] | None:
    return words[words.index("--") + 1 :] if "--" in words else None


def _flags(words: list[str]) -> set[str]:
    out: set[str] = set()
    for w in words:
        if w.startswith("--"):
            out.add(w.split("=", 1)[0])
        elif w.startswith("-") and len(w) > 1:
            out.update(f"-{c}" for c in w[1:])
    return out


def _opens(inner: list[str]) -> bool:
    """Is `inner` (the command an exec/ssh/chroot runs) a shell or REPL with nothing to run?"""
    if not inner:
        return True
    head = inner[0].rsplit("/", 1)[-1]
    if head in _SHELLS:  # `bash`, `sh -l`: a shell; `bash -c '...'`, `bash fix.sh`: a command
        args = inner[1:]
        return "-c" not in args and not [a for a in args if not a.startswith("-") and a != "-"]
    return head in _REPLS and _repl_opens(head, inner[1:])


def _repl_opens(head: str, args: list[str]) -> bool:
    flags = _flags(args)
    if head in {"psql", "gitlab-psql"}:
        return not flags & {"-c", "--command", "-f", "--file", "-l", "--list"}
    if head == "mysql":
        return not flags & {"-e", "--execute"}
    if head in {"mongo", "mongosh"}:
        return "--eval" not in flags
    if head == "redis-cli":
        takes = {"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "--cacert", "--cert", "--key"}
        i, positional = 0, []
        while i < len(args):
            if args[i] in takes:
                i += 2
                continue
            if not args[i].startswith("-"):
                positional.append(args[i])
            i += 1
        return not positional and "--scan" not in flags and "--bigkeys" not in flags
    if head in {"python", "python3", "node", "irb", "ipython"}:
        return not args or args == ["-i"]
    return not [a for a in args if not a.startswith("-")]


_SSH_TAKES = word_set("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w")


def _ssh_command(args: list[str]) -> list[str]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _SSH_TAKES else 1
    return args[i + 1 :]


_KUBE_TAKES = word_set("""-n --namespace --context --kubeconfig --cluster --user -s --server --token --as
    --as-group --request-timeout --certificate-authority --client-certificate --client-key
    -c --container -l --selector -f --filename -o --output --image --profile --target""")


def _positional(args: list[str], takes: frozenset[str]) -> list[str]:
    """Arguments that are not flags or flag values (`-n ns`), up to `--`."""
    out: list[str] = []
    i = 0
    while i < len(args) and args[i] != "--":
        a = args[i]
        if a.startswith("-"):
            i += 2 if a in takes else 1
            continue
        out.append(a)
        i += 1
    return out


def _kube(args: list[str]) -> tuple[bool, bool]:
    """(interactive, opens a session) for kubectl/oc arguments."""
    verbs = _positional(args, _KUBE_TAKES)
    verb = verbs[0] if verbs else ""
    flags = _flags([a for a in args if a != "--" and a not in (_after_dashdash(args) or [])])
    if verb == "exec":
        inner = _after_dashdash(args)
        tty = bool(flags & {"-i", "-t", "--stdin", "--tty"})
        if inner is None:  # no command: the page means "get a shell in there"
            return True, True
        return tty, tty and _opens(inner)
    if verb in {"rsh", "attach"}:
        inner = _after_dashdash(args) or verbs[2:]
        return True, verb == "attach" or not inner or _opens(inner)
    if verb == "debug":
        inner = _after_dashdash(args)
        return True, inner is None or _opens(inner)
    if verb in {"edit", "run"} and (verb == "edit" or flags & {"-i", "-t", "--stdin", "--tty"}):
        return True, verb == "run" and _opens(_after_dashdash(args) or [])
    return False, False


@memo()
def terminal_use(command: str) -> tuple[bool, bool]:
    """(needs the real terminal, opens a shell the next lines are typed into)."""
    interactive = opens = False
    for part in split_simple_commands(command):
        raw = words_of(part)
        if _root_shell(raw):
            return True, True
        words = _skip_prefix(raw)
        if not words:
            continue
        head, args = words[0].rsplit("/", 1)[-1], words[1:]
        i, o = _one(head, args, part)
        interactive, opens = interactive or i, opens or o
    return interactive, opens


def _root_shell(raw: list[str]) -> bool:
    """`sudo -i`, `sudo -s`, `sudo su -`, `sudo bash`: a root shell, nothing to run."""
    if raw[:1] != ["sudo"]:
        return False
    asks = {"-i", "-s", "--login", "--shell"} & set(raw) or raw[-1:] in (["su"], ["-"], ["bash"])
    rest = [w for w in raw[1:] if not w.startswith("-") and w not in {"su", "bash"}]
    return bool(asks) and not rest


def _one(head: str, args: list[str], part: str) -> tuple[bool, bool]:
    if head in _ALWAYS_INTERACTIVE:
        return True, False
    if head in {"kubectl", "oc"}:
        return _kube(args)
    if head in {"docker", "podman", "nerdctl"} and args and args[0] in {"exec", "run", "attach"}:
        flags = _flags([a for a in args if a.startswith("-")])
        tty = bool(flags & {"-i", "-t", "--interactive", "--tty"}) or args[0] == "attach"
        rest = [a for a in args[1:] if not a.startswith("-")]
        return tty, tty and (args[0] == "attach" or _opens(rest[1:]))
    if head == "ssh":
        inner = _ssh_command(args)
        return not inner, not inner
    if head in {"chroot", "nsenter", "toolbox"}:
        if head == "chroot":
            inner = [a for a in args if not a.startswith("-")][1:]
        else:
            inner = _after_dashdash(args) or []
        opens = not inner or _opens(inner)
        return opens, opens
    if head in {"gitlab-rails", "rails"} and args[:1] in (["console"], ["c"], ["dbconsole"]):
        return True, True
    if head == "su" and not {"-c", "--command"} & set(args):
        return True, True
    if head in _SHELLS:
        opens = _opens([head, *args]) and "<" not in part
        return opens, opens
    if head in _REPLS:
        opens = _repl_opens(head, args) and "<" not in part
        return opens, opens
    if head == "crontab" and "-e" in args:
        return True, False
    return False, False
