"""A Spokes server of its own for a live test: a fresh embedded cluster in a temporary folder, the
demo data, and `spokes serve` on a free port. Shared by the fuzzer, the permissions matrix, the
browser journeys and the fault scripts under Tests/Live, with the check each makes after its run: the
server still answers GET /health/live and its log (serve-<port>.log in the cluster's folder) holds no
`Fatal error` (Spokes.check_alive)."""
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPOKES = os.environ.get("SPOKES", os.path.join(ROOT, ".build/debug/spokes"))
IDENTITY = json.load(open(os.path.join(ROOT, "seed/identity.json")))
PASSWORD = IDENTITY["demoPassword"]
RESULTS = os.path.join(ROOT, ".build/live-results")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Spokes:
    """One cluster (started by `seed`, stopped by `stop`) and any number of server processes on it."""

    def __init__(self, name, database_url=None):
        self.folder = tempfile.mkdtemp(prefix=f"spokes-{name}-")
        self.env = dict(os.environ, SPOKES_DATA_DIR=os.path.join(self.folder, "pg"),
                        SPOKES_BID_SECRET_FILE=os.path.join(self.folder, "bid.key"),
                        SPOKES_BCRYPT_COST="4", LOG_LEVEL=os.environ.get("LIVE_LOG_LEVEL", "warning"))
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.servers = []
        self.bases = {}  # process -> base URL
        self.unhealthy = False  # set by check_alive; the folder (and its server logs) is then kept
        self.log_read = {}  # log file -> how far check_alive has read it
        self.secrets = []  # patterns of what a script sent as secret, never to be logged

    def run(self, *args, check=True):
        return subprocess.run([SPOKES, *args], env=self.env, check=check, capture_output=True, text=True)

    def seed(self):
        self.run("db", "start")
        self.run("seed")
        return self

    def serve(self, port=None, wait=True):
        """Starts a server; returns (process, base URL)."""
        port = port or free_port()
        log = open(os.path.join(self.folder, f"serve-{port}.log"), "a")
        process = subprocess.Popen([SPOKES, "serve", "--port", str(port)], env=self.env, stdout=log, stderr=log)
        self.servers.append(process)
        base = f"http://127.0.0.1:{port}"
        self.bases[process] = base
        if wait:
            wait_ready(base, process)
        return process, base

    def psql(self, sql):
        return self.run("db", "psql", "--", "-At", "-q", "-c", sql).stdout.strip()

    def stop(self, keep=False):
        for process in self.servers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.run("db", "stop", check=False)
        if not keep and not self.unhealthy:
            shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self):
        """The log files of every server started on this cluster (stdout and stderr, appended across restarts)."""
        return sorted(glob.glob(os.path.join(self.folder, "serve-*.log")))

    def check_alive(self, after, bases=None):
        """Raises ServerDied unless every server still running (or each of `bases`) answers GET /health/live with
        200 and no server log holds a `Fatal error` written since the last check. `after` says what the server
        had just been through, for the message. A failed check keeps the folder with the logs."""
        problems = []
        if bases is None:
            bases = [base for process, base in self.bases.items() if process.poll() is None]
            if not bases:
                problems.append("no server of this run is running any more")
        for base in bases:
            try:
                status, _, body = request(base, "GET", "/health/live", timeout=10)
            except OSError as error:
                status, body = None, repr(error)
            if status != 200:
                problems.append(f"GET {base}/health/live answered {status or 'nothing'}: {str(body)[:200]}")
        for log in self.logs():
            with open(log, "rb") as file:
                file.seek(self.log_read.get(log, 0))
                data = file.read()
            self.log_read[log] = self.log_read.get(log, 0) + len(data)
            lines = data.decode("utf-8", "replace").splitlines()
            # Nothing secret in a log line: a password, a bearer token, a resident's ID number (issue 28), or what the
            # script says it sent as secret (a sealed bid's price).
            secrets = [n for n, line in enumerate(lines) if any(p.search(line) for p in SECRET_PATTERNS + self.secrets)]
            if secrets:
                problems.append(f"{len(secrets)} log line(s) in {log} hold a password, token, ID number or secret; the first: {lines[secrets[0]][:300]}")
            fatal = [n for n, line in enumerate(lines) if "Fatal error" in line]
            if fatal:
                excerpt = "\n      ".join(lines[max(fatal[0] - 2, 0):fatal[0] + 8])
                problems.append(f"{len(fatal)} line(s) with 'Fatal error' in {log}; the first:\n      {excerpt}")
        if problems:
            self.unhealthy = True
            raise ServerDied(f"the server did not survive {after} (logs kept in {self.folder}):\n  - " + "\n  - ".join(problems))


# What no log line may hold: the demo password, an API token, a resident ID number (region, birth date, sequence, check).
SECRET_PATTERNS = [re.compile(re.escape(PASSWORD)), re.compile(r"spk_[A-Za-z0-9_-]{16,}"),
                   re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])")]


class ServerDied(AssertionError):
    """The server stopped answering or crashed (a `Fatal error` in its log): always a failure of the script."""


def wait_ready(base, process=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server at {base} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not become ready in {timeout} s")


def request(base, method, path, token=None, body=None, headers=None, timeout=30):
    """One API request; returns (status, headers, parsed JSON or text). Never raises on a status."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    all_headers = {"Accept": "application/json"}
    if body is not None and not isinstance(body, bytes):
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    req = urllib.request.Request(base + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, response_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers), error.read()
    try:
        return status, response_headers, json.loads(raw) if raw else None
    except ValueError:
        return status, response_headers, raw.decode("utf-8", "replace")


def token(base, username):
    status, _, body = request(base, "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD})
    if status != 201 and status != 200:
        raise RuntimeError(f"no token for {username}: {status} {body}")
    return body["token"]


def session(base, username):
    """Signs in through the login page; returns the Cookie header of the signed-in browser."""
    import http.cookiejar
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.open(base + "/login").read()
    csrf = next(c.value for c in jar if c.name == "spokes_csrf")
    form = urllib.parse.urlencode({"_csrf": csrf, "username": username, "password": PASSWORD, "next": "/"}).encode()
    try:
        opener.open(urllib.request.Request(base + "/login", data=form, method="POST"))
    except urllib.error.HTTPError as error:
        if error.code not in (302, 303):
            raise
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
