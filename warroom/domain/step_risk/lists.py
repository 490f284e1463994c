"""Commands known by name alone: read-only ones, ones that write, ones that destroy.

Anything on none of these lists (and with no argument-aware rule) is a write.
"""

from __future__ import annotations

READ_COMMANDS = frozenset(
    """
    ls cat grep egrep fgrep zgrep rg ag head tail less more echo printf ps top htop atop df
    du free uptime netstat lsof ping ping6 dig nslookup host traceroute tracepath mtr jq wc
    cut tr whoami id printenv which type realpath basename dirname readlink getent nproc
    lscpu lsblk lsmem lspci lsusb lsmod lsns w who last uname iostat vmstat mpstat sar
    pidstat iotop numastat pg_isready stat file tree nc ncat base64 md5sum sha1sum sha256sum
    sha512sum cksum diff cmp column xxd od hexdump strings nl fold fmt paste join comm
    expand rev tac zcat zless bzcat xzcat locale groups tty arch getconf seq bc expr cal
    pgrep pidof sleep findmnt blkid systemd-analyze free promtool kubectx kubens stern k9s
    dstat glances nethogs iftop bmon curlie dog drill whois mtr-packet arping fping nmap ldd
    nm objdump readelf findstr tasklist ipconfig systeminfo
    """.split()  # noqa: SIM905 (a word list reads better than 200 lines)
)

WRITE_COMMANDS = frozenset(
    """
    cp mv ln mkdir touch chmod chown chgrp install rsync scp sftp mount umount swapon
    swapoff useradd usermod passwd modprobe insmod sysctl crontab at gzip gunzip bzip2 xz
    zip unzip split patch make apt apt-get yum dnf pip npm strace gdb ltrace
    """.split()  # noqa: SIM905 (a word list reads better than 200 lines)
)

DESTRUCTIVE_COMMANDS = frozenset(
    """
    rm rmdir unlink shred dd mkfs mkfs.ext4 mkfs.xfs wipefs fdisk sfdisk parted truncate
    shutdown reboot halt poweroff pg_restore dropdb dropuser userdel groupdel lvremove
    vgremove pvremove killall srm iptables-restore ip6tables-restore
    """.split()  # noqa: SIM905 (a word list reads better than 200 lines)
)
