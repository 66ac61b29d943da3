# Community Chest's container image: the app (gunicorn) and its commands (manage.py).
#   docker build -t community-chest .
#   docker compose -f deploy/compose.yaml up    (PostgreSQL, Redis, two app servers, scheduler, nginx)
FROM python:3.11-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config config
COPY audit audit
COPY wards wards
COPY budgets budgets
COPY ballots ballots
COPY delivery delivery
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app chest
COPY --from=build /venv /venv
WORKDIR /app
COPY . .
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    LOCAL_SETTINGS_FILE= \
    STATIC_ROOT=/srv/static \
    MEDIA_ROOT=/srv/media \
    GUNICORN_BIND=0.0.0.0:8000
# Static files are collected into the image (nginx serves them from a shared volume or a copy).
RUN mkdir -p /srv/static /srv/media /app/var \
    && DEBUG=1 SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnop \
       python manage.py collectstatic --no-input -v0 \
    && chown -R chest:chest /srv/media /app/var
USER chest
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
