"""gunicorn settings for a Community Chest app server (systemd unit, Dockerfile, cluster test).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

Every knob from the environment: GUNICORN_BIND (default 127.0.0.1:8000; the container sets
0.0.0.0:8000), WEB_CONCURRENCY (worker processes; default 2 x cores + 1, at most 8),
GUNICORN_TIMEOUT (seconds, default 60: closing a large round runs in `advance_rounds`, not in a
request). Requests are logged by nginx, which knows the real client; gunicorn's own access log
would repeat them with the path (receipts and tokens live in paths), so it is off.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(8, multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 30  # nginx keeps upstream connections open (keepalive in the upstream block)
max_requests = 5000  # recycle workers now and then; nothing in a worker matters across requests
max_requests_jitter = 500
accesslog = None
# gunicorn 25+ opens a control socket in $HOME; several servers on one host would share it.
control_socket_disable = True
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Only the local proxy may set X-Forwarded-Proto (Django reads it via SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
