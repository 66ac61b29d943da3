"""make cluster-test: the production shape on loopback, proved end to end.

Starts a fresh PostgreSQL database (in the local cluster at 127.0.0.1:5432, user postgres), a
Redis server of its own (redis-server on a free port; without the binary, database 15 of the
Redis at 127.0.0.1:6379), two gunicorn app servers on different ports and Debian's nginx in
front with a generated configuration, then checks through the proxy:

1. /healthz answers 200 and nginx serves the static files itself;
2. 50 simultaneous ballots from one code, spread over both servers, leave one live ballot;
3. a resident signs in through one server and votes through the other;
4. wrong-code limits count per real client (source addresses 127.0.0.2, 127.0.0.3, ...; nginx
   writes X-Forwarded-For from the peer and the app trusts one proxy) and never lock another out;
5. a bounded load run reports ballots/s through the proxy, while both servers append seal
   events to the ledger; the downloaded ledger verifies (python -m audit.verify) with no fork.

It stops everything it started (and drops its database) however it ends. Exit code 0 when every
check passed. Run from the repository with the venv's Python: `make cluster-test`.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import http.cookies
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "cluster test password for the resident"
SIMULTANEOUS = 50
ASSISTED = 30  # help-desk ballots, each a ledger event, during the load run
CODE_LIMIT = 10  # ballots.voting_codes.CODE_FAILURE_LIMIT_PER_CLIENT, checked at seed time


# --- Processes ---------------------------------------------------------------------------------


class Stack:
    """Everything started, stopped in reverse order whatever happens."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], None]]] = []

    def push(self, what: str, undo: Callable[[], None]) -> None:
        self._undo.append((what, undo))

    def process(self, what: str, popen: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        def stop() -> None:
            if popen.poll() is None:
                popen.terminate()
                try:
                    popen.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait(timeout=5)

        self.push(what, stop)
        return popen

    def close(self) -> None:
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as exc:
                print(f"  (stopping {what} failed: {exc})", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, what: str, popen: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if popen is not None and popen.poll() is not None:
            raise SystemExit(f"{what} exited with {popen.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within 60 s")


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def django(env: dict[str, str], code: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "import django,sys;django.setup();exec(sys.stdin.read())", *args],
        input=code,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"a setup step failed:\n{out.stderr[-3000:]}")
    return out.stdout


SEED = r"""
import json, sys
from django.contrib.auth import get_user_model
from ballots import services
from ballots.codes import new_code
from ballots.voting_codes import CODE_FAILURE_LIMIT_PER_CLIENT
from budgets.models import Proposal, Round
from wards.models import Membership, Role, Ward

ward = Ward.objects.create(name="Cluster", slug="cluster", chest_pence=10_000_000)
rnd = Round.objects.create(ward=ward, title="Cluster test", budget_pence=10_000_000,
                           phase="voting", seal_batch_size=25)
ids = []
for i in range(12):
    cost = 250_000 + 150_000 * i
    ids.append(Proposal.objects.create(
        round=rnd, title=f"Project {i:02}", summary="s", description="d",
        estimated_cost_pence=cost, cost_pence=cost, status="feasible").pk)
resident = get_user_model().objects.create_user(username="rosa", password=sys.argv[2])
Membership.objects.create(user=resident, ward=ward, role=Role.RESIDENT)
clerk = get_user_model().objects.create_user(username="cleo", password=sys.argv[2])
Membership.objects.create(user=clerk, ward=ward, role=Role.CLERK)
codes = services.issue_codes(rnd, int(sys.argv[1]))
# Well-formed codes never issued: wrong guesses the check character cannot catch.
wrong = [new_code() for _ in range(CODE_FAILURE_LIMIT_PER_CLIENT + 5)]
json.dump({"round": rnd.pk, "projects": ids, "codes": codes, "wrong": wrong,
           "code_limit": CODE_FAILURE_LIMIT_PER_CLIENT}, sys.stdout)
"""

COUNT = r"""
import json, sys
from ballots.models import Ballot, Voter
rid = int(sys.argv[1])
print(json.dumps({"live": Ballot.objects.filter(round_id=rid, status="live").count(),
                  "voters": Voter.objects.filter(round_id=rid).count()}))
"""


NGINX = """
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    access_log off;
    client_max_body_size 12m;
    sendfile on;
    keepalive_timeout 30;
    upstream both {{ server 127.0.0.1:{app1}; server 127.0.0.1:{app2}; keepalive 32; }}
    upstream first {{ server 127.0.0.1:{app1}; keepalive 8; }}
    upstream second {{ server 127.0.0.1:{app2}; keepalive 8; }}
{servers}
}}
"""

SERVER = """
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;
        location /static/ {{ alias {static}/; expires 7d; }}
        location /media/ {{ alias {media}/; }}
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # Written from the peer, never appended to: what a client sends is not believed.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
"""


def self_signed(work: Path) -> tuple[Path, Path]:
    """A throwaway certificate, only to let `nginx -t` load deploy/nginx.conf's TLS server."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chest.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = work / "cert.pem", work / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def production_config_loads(nginx: str, work: Path) -> tuple[bool, str]:
    """deploy/nginx.conf as shipped, with a throwaway certificate and paths under `work`."""
    cert, key = self_signed(work)
    site = (REPO / "deploy/nginx.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/chest.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/chest.example.org/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{work}/")
    (work / "site.conf").write_text(site)
    (work / "production.conf").write_text(
        f"pid {work}/production.pid;\nerror_log {work}/production-error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {work}/site.conf;\n}}\n"
    )
    test = subprocess.run(
        [nginx, "-t", "-q", "-c", str(work / "production.conf"), "-p", str(work)],
        capture_output=True,
        text=True,
    )
    return test.returncode == 0, test.stderr.strip()


# --- HTTP through the proxy --------------------------------------------------------------------


class Browser:
    """A client with a cookie jar and a source address (127.0.0.x)."""

    def __init__(self, source: str = "127.0.0.1") -> None:
        self.source = source
        self.cookies: dict[str, str] = {}

    def request(
        self,
        port: int,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(self.source, 0)
        )
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for raw in response.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie(raw)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def api(
        self, port: int, path: str, payload: dict[str, Any], extra: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, Any]]:
        headers = {"Content-Type": "application/json", **(extra or {})}
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        status, head, data = self.request(port, "POST", path, json.dumps(payload).encode(), headers)
        try:
            body = json.loads(data or b"{}")
        except ValueError:
            body = {"raw": data[:200].decode("latin-1")}
        return status, head.get("x-upstream", ""), body


def sign_in(browser: Browser, port: int, username: str) -> tuple[int, str]:
    """Sign in with the login form (CSRF token and all); the status and the server that answered."""
    _, _, page = browser.request(port, "GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    form = f"username={username}&password={PASSWORD.replace(' ', '+')}"
    form += f"&csrfmiddlewaretoken={token.group(1).decode() if token else ''}"
    status, head, _ = browser.request(
        port,
        "POST",
        "/accounts/login/",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return status, head.get("x-upstream", "")


def ballot(code: str | None, projects: list[int]) -> dict[str, Any]:
    body: dict[str, Any] = {"projects": projects, "basis": "live", "age_confirmed": True}
    if code is not None:
        body["code"] = code
    return body


async def _load_worker(
    port: int, jobs: asyncio.Queue[bytes], path: str, statuses: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                body = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            writer.write(
                (
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
                ).encode()
                + body
            )
            await writer.drain()
            status_line = await reader.readline()
            length, closing = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
                if name.lower() == "connection" and value.strip().lower() == "close":
                    closing = True
            if length:
                await reader.readexactly(length)
            statuses[int(status_line.split()[1]) if status_line else 0] += 1
            if closing:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def load(port: int, path: str, bodies: list[bytes], connections: int) -> Counter[int]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    statuses: Counter[int] = Counter()
    await asyncio.gather(*(_load_worker(port, queue, path, statuses) for _ in range(connections)))
    return statuses


# --- The run -----------------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> None:
        print(f"  [{'ok' if ok else 'FAILED'}] {what}" + (f" ({detail})" if detail else ""))
        if not ok:
            self.failed.append(what)


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    if shutil.which("apt-get"):
        print("Installing Debian's nginx…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx"], env=env, check=False, capture_output=True
        )
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx"], env=env, check=False, capture_output=True
        )
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not found:
        raise SystemExit(
            "nginx is not installed and could not be installed (apt-get install nginx)"
        )
    return found


def start_redis(stack: Stack, work: Path) -> str:
    server = shutil.which("redis-server")
    if server is None:
        print("  redis-server not found: using database 15 of the Redis at 127.0.0.1:6379")
        return "redis://127.0.0.1:6379/15"
    port = free_port()
    stack.process(
        "redis",
        subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
            ],
            stdout=subprocess.DEVNULL,
        ),
    )
    wait_for_port(port, "redis-server")
    return f"redis://127.0.0.1:{port}/0"


def run(args: argparse.Namespace, stack: Stack, work: Path) -> int:
    checks = Checks()
    started = time.monotonic()
    nginx = ensure_nginx()
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode:
        raise SystemExit("PostgreSQL is not answering at 127.0.0.1:5432 (user postgres)")
    db = f"cc_cluster_{os.getpid()}_{int(time.time())}"
    print(f"Database {db}, Redis, two gunicorn app servers and nginx, on loopback…", flush=True)
    psql(f"CREATE DATABASE {db}")
    stack.push("the database", lambda: psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
    redis_url = start_redis(stack, work)
    static, media = work / "static", work / "media"
    media.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "LOCAL_SETTINGS_FILE": "",
        "SECRET_KEY": "cluster-" + secrets.token_urlsafe(48),
        "VOTING_CODE_KEY": "cluster:" + secrets.token_urlsafe(48),
        "AUDIT_SIGNING_KEY": signing_key(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXY_COUNT": "1",
        # Plain HTTP on loopback; deploy/nginx.conf adds TLS in production.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "CONN_MAX_AGE": "600",
        "STATIC_ROOT": str(static),
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WEB_CONCURRENCY": str(args.workers),
    }
    if redis_url.endswith("/15"):
        subprocess.run(["redis-cli", "-n", "15", "FLUSHDB"], check=False, capture_output=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, cwd=REPO, check=True)
    seed = json.loads(django(env, SEED, str(args.ballots + ASSISTED + 10), PASSWORD))
    rid, ids, codes = seed["round"], seed["projects"], seed["codes"]
    wrong, limit = seed["wrong"], int(seed["code_limit"])
    cast = f"/api/v1/rounds/{rid}/ballots/"

    apps = [free_port(), free_port()]
    for number, port in enumerate(apps, start=1):
        log = open(work / f"app{number}.log", "wb")  # noqa: SIM115 - closed with the stack
        stack.push(f"app {number}'s log", log.close)
        stack.process(
            f"app server {number}",
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(REPO / "deploy/gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "config.wsgi",
                ],
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
        )
    proxy_both, proxy_first, proxy_second = free_port(), free_port(), free_port()
    servers = "".join(
        SERVER.format(port=port, upstream=upstream, static=static, media=media)
        for port, upstream in (
            (proxy_both, "both"),
            (proxy_first, "first"),
            (proxy_second, "second"),
        )
    )
    (work / "nginx.conf").write_text(
        NGINX.format(work=work, app1=apps[0], app2=apps[1], servers=servers)
    )
    test = subprocess.run(
        [nginx, "-t", "-q", "-c", str(work / "nginx.conf"), "-p", str(work)],
        capture_output=True,
        text=True,
    )
    if test.returncode:
        raise SystemExit(f"the generated nginx configuration is refused:\n{test.stderr}")
    proxy = stack.process(
        "nginx",
        subprocess.Popen(
            [nginx, "-c", str(work / "nginx.conf"), "-p", str(work), "-g", "daemon off;"]
        ),
    )
    for port in apps:
        wait_for_port(port, "gunicorn")
    wait_for_port(proxy_both, "nginx", proxy)
    print(
        f"Up in {time.monotonic() - started:.1f} s: app servers on {apps}, proxy on "
        f"{proxy_both} (both), {proxy_first} (first only), {proxy_second} (second only)\n"
    )

    ok, why = production_config_loads(nginx, work)
    checks.check(ok, "deploy/nginx.conf loads in Debian's nginx (nginx -t)", why)

    # 1. Health and static files -----------------------------------------------------------------
    anyone = Browser()
    status, head, body = anyone.request(proxy_both, "GET", "/healthz")
    checks.check(
        status == 200 and json.loads(body)["status"] == "ok",
        "/healthz through the proxy: database and Redis answer",
        body.decode(),
    )
    css = next(iter(sorted(static.rglob("*.css"))), None)
    if css is not None:
        status, head, _ = anyone.request(proxy_both, "GET", f"/static/{css.relative_to(static)}")
        checks.check(
            status == 200 and "x-upstream" not in head,
            "nginx serves static files without asking an app server",
        )

    # 2. 50 simultaneous ballots from one code ---------------------------------------------------
    code = codes.pop()  # the pops take codes from the end; the load run uses the start

    def one(i: int) -> tuple[int, str]:
        status, upstream, _ = Browser().api(proxy_both, cast, ballot(code, [ids[i % len(ids)]]))
        return status, upstream

    with concurrent.futures.ThreadPoolExecutor(SIMULTANEOUS) as pool:
        results = list(pool.map(one, range(SIMULTANEOUS)))
    statuses = Counter(s for s, _ in results)
    upstreams = Counter(u for _, u in results)
    counts = json.loads(django(env, COUNT, str(rid)))
    checks.check(
        counts["live"] == 1
        and counts["voters"] == 1
        and statuses[201] == 1
        and all(s in (200, 201, 409) for s in statuses)
        and len(upstreams) == 2,
        f"{SIMULTANEOUS} simultaneous ballots from one code, over both servers: one live ballot",
        f"statuses {dict(statuses)}, servers {dict(upstreams)}, live {counts['live']}",
    )

    # 3. Sign in through one server, vote through the other --------------------------------------
    rosa = Browser()
    status, signed_in_at = sign_in(rosa, proxy_first, "rosa")
    status_vote, voted_at, answer = rosa.api(proxy_second, cast, ballot(None, [ids[0], ids[1]]))
    checks.check(
        status == 302
        and "sessionid" in rosa.cookies
        and status_vote == 201
        and "receipt" in answer
        and signed_in_at != voted_at,
        "a resident signs in through one server and votes through the other",
        f"signed in at {signed_in_at} ({status}), voted at {voted_at} ({status_vote})",
    )

    # 4. Wrong-code limits per real client --------------------------------------------------------
    guesser = Browser("127.0.0.2")
    answers = [guesser.api(proxy_both, cast, ballot(wrong[i], [ids[0]])) for i in range(limit + 1)]
    guesser_servers = {u for _, u, _ in answers}
    blocked = answers[-1][0] == 429 and all(s != 429 for s, _, _ in answers[:-1])
    spoofed, _, _ = guesser.api(
        proxy_both, cast, ballot(codes.pop(), [ids[0]]), {"X-Forwarded-For": "127.0.0.9"}
    )
    neighbour, _, _ = Browser("127.0.0.3").api(proxy_both, cast, ballot(codes.pop(), [ids[2]]))
    wrong_once, _, _ = Browser("127.0.0.4").api(proxy_both, cast, ballot(wrong[-1], [ids[0]]))
    checks.check(
        blocked
        and len(guesser_servers) == 2
        and spoofed == 429
        and neighbour == 201
        and wrong_once not in (429, 201),
        "wrong codes are limited per real client across both servers and lock no one else out",
        f"127.0.0.2 refused after {limit} wrong codes ({answers[-1][0]}), even behind a forged "
        f"X-Forwarded-For ({spoofed}); 127.0.0.3 votes ({neighbour}); "
        f"127.0.0.4's first wrong code gets {wrong_once}",
    )

    # 5. Load through the proxy, the ledger growing on both servers -------------------------------
    before = json.loads(django(env, COUNT, str(rid)))["live"]
    used = codes[: args.ballots]
    bodies = [
        json.dumps(ballot(c, [ids[i % len(ids)], ids[(i * 7 + 3) % len(ids)]])).encode()
        for i, c in enumerate(used)
    ]
    # Meanwhile a clerk at the help desk enters voters' codes through each server in turn: every
    # assisted ballot appends an event to the ledger, on whichever server took it.
    cleo = Browser()
    sign_in(cleo, proxy_first, "cleo")
    desk = codes[args.ballots : args.ballots + ASSISTED]

    def help_desk() -> list[tuple[int, str]]:
        ports = (proxy_first, proxy_second)
        return [
            cleo.api(ports[i % 2], cast, ballot(c, [ids[i % len(ids)]]))[:2]
            for i, c in enumerate(desk)
        ]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assisted = pool.submit(help_desk)
        t0 = time.perf_counter()
        load_statuses = asyncio.run(load(proxy_both, cast, bodies, args.connections))
        elapsed = time.perf_counter() - t0
        desk_results = assisted.result()
    desk_servers = Counter(u for s, u in desk_results if s == 201)
    rate = len(bodies) / elapsed
    after = json.loads(django(env, COUNT, str(rid)))["live"]
    checks.check(
        load_statuses == Counter({201: len(bodies)})
        and after - before == len(bodies) + sum(desk_servers.values()),
        f"load run: {len(bodies)} ballots over {args.connections} connections through the proxy",
        f"{rate:.0f} ballots/s, {elapsed:.1f} s, statuses {dict(load_statuses)}",
    )
    ledger, checkpoints, key = work / "ledger.jsonl", work / "checkpoints.json", work / "key.pem"
    for path, target in (
        ("/audit/ledger.jsonl", ledger),
        ("/audit/checkpoints.json", checkpoints),
        ("/audit/key", key),
    ):
        status, _, data = anyone.request(proxy_both, "GET", path)
        target.write_bytes(data if status == 200 else b"")
    events = [json.loads(line)["event"] for line in ledger.read_text().splitlines() if line.strip()]
    seals = sum(1 for e in events if e.get("kind") == "ballots.sealed")
    assists = sum(1 for e in events if e.get("kind") == "ballot.assisted")
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "audit.verify",
            str(ledger),
            "--key",
            str(key),
            "--checkpoints",
            str(checkpoints),
            "--no-progress",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    checks.check(
        verify.returncode == 0 and assists == len(desk) and len(desk_servers) == 2,
        "both servers appended to the ledger while ballots flowed; the chain verifies, no fork",
        f"{len(events)} events: {assists} assisted ballots taken by {dict(desk_servers)}, "
        f"{seals} seal(s); audit.verify exit {verify.returncode}",
    )
    if verify.returncode:
        print(verify.stdout[-2000:], verify.stderr[-2000:], file=sys.stderr)

    print(
        f"\nballots/s through the proxy: {rate:.0f} ({len(bodies)} ballots, "
        f"{args.connections} connections, 2 app servers x {args.workers} workers)"
    )
    print(
        f"cluster test finished in {time.monotonic() - started:.0f} s: "
        + ("all checks passed" if not checks.failed else f"{len(checks.failed)} FAILED")
    )
    if checks.failed:
        for number in (1, 2):
            tail = (work / f"app{number}.log").read_text(errors="replace")[-1500:]
            print(f"\n--- app server {number} log (tail) ---\n{tail}", file=sys.stderr)
    return 0 if not checks.failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--ballots", type=int, default=1500, help="ballots in the load run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    args = parser.parse_args()

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    stack = Stack()
    work = Path(tempfile.mkdtemp(prefix="cc-cluster-"))
    work.chmod(0o755)  # nginx's workers (nobody) read the static files from here
    stack.push("the work directory", lambda: shutil.rmtree(work, ignore_errors=True))
    try:
        return run(args, stack, work)
    finally:
        print("Stopping everything the cluster test started…", flush=True)
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
