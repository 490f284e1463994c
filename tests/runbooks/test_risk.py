"""The risk table: read only when known to only look; unknown is write."""

from __future__ import annotations

import pytest

from warroom.domain.runbooks import Risk, StepKind
from warroom.domain.step_risk import classify

R, W, D = Risk.READ, Risk.WRITE, Risk.DESTRUCTIVE

SHELL = [
    ("docker ps | grep api", R),
    ("docker logs api --tail 50 | grep -E '(ERROR|FATAL)'", R),
    ("kubectl get pods -n prod -l app=<service>", R),
    ("kubectl rollout status deployment/api", R),
    ("curl -s http://localhost:9090/api/v1/query?query=up | jq '.data.result'", R),
    ('docker exec postgres psql -U o -c "SELECT count(*) FROM t"', R),
    ("docker exec redis redis-cli ping", R),
    ('echo "$(date -Iseconds)"', R),
    ("for i in {1..5}; do curl -s http://x/$i; done", R),
    ("docker compose -f ops/docker-compose.yml ps <service>", R),
    ("docker compose -f ops/docker-compose.yml restart api", W),
    ("docker-compose -f ops/docker-compose.yml up -d --scale worker=4", W),
    ("kubectl rollout restart deployment/api", W),
    ("kubectl scale deployment/api --replicas=5", W),
    ("systemctl reload nginx", W),
    ("kubectl apply -f fix.yaml", W),
    ("echo x >> /var/log/incident.log", W),
    ("some-unknown-tool --flag", W),
    ("curl -X POST http://localhost:9090/-/reload", W),
    ('docker exec postgres psql -U o -c "UPDATE t SET a = 1"', W),
    ("kubectl rollout undo deployment/api -n prod", D),
    ("kubectl delete pod api-123", D),
    ("kubectl scale deployment/api --replicas=0", D),
    ("iptables -A INPUT -s <attacker-ip> -j DROP", D),
    ("ufw deny from 1.2.3.4", D),
    ("rm -rf /var/lib/app/cache", D),
    ("dd if=/dev/zero of=/dev/sda", D),
    ("pkill -f node", D),
    ("kill -9 1234", D),
    ("docker exec redis redis-cli FLUSHALL", D),
    ('docker exec postgres psql -c "DROP TABLE t"', D),
    ("docker-compose down", D),
    ("pg_restore -d app dump.sql", D),
    ("echo ok && $(rm -rf /tmp/x)", D),
    ("curl -X DELETE http://api/items/1", D),
]

SQL = [
    ("SELECT count(*) FROM pg_stat_activity", R),
    ("SHOW max_connections", R),
    ("WITH x AS (SELECT 1) SELECT * FROM x", R),
    ("SELECT pg_cancel_backend(pid) FROM pg_stat_activity", W),
    ("UPDATE jobs SET state = 'queued' WHERE id = 1", W),
    ("VACUUM ANALYZE jobs", W),
    ("SELECT * FROM jobs FOR UPDATE", W),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", D),
    ("DELETE FROM jobs", D),
    ("TRUNCATE jobs", D),
    ("DROP INDEX i", D),
    ("SELECT 'DROP TABLE x' AS text", R),
    ("COPY jobs TO PROGRAM 'gzip > /tmp/jobs.gz'", D),
    ("EXPLAIN ANALYZE DELETE FROM jobs", D),
    ("BEGIN", R),
]


@pytest.mark.parametrize(("command", "risk"), SHELL)
def test_shell_risk(command: str, risk: Risk) -> None:
    assert classify(StepKind.SHELL, command) is risk


@pytest.mark.parametrize(("command", "risk"), SQL)
def test_sql_risk(command: str, risk: Risk) -> None:
    assert classify(StepKind.SQL, command) is risk


def test_other_kinds() -> None:
    assert classify(StepKind.PROMQL, "up") is R
    assert classify(StepKind.TEXT, "rm -rf /") is R
    assert classify(StepKind.HTTP, "GET http://x/health") is R
    assert classify(StepKind.HTTP, "POST http://x/reload") is W
    assert classify(StepKind.HTTP, "DELETE http://x/item") is D
