# syntax=docker/dockerfile:1
# Backlot API image: multi-stage, slim, non-root; migrations run at start-up before the server.
# Build: docker build -t backlot .   Run: docker run -e DATABASE_URL=postgresql+psycopg://… -p 8000:8000 backlot

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, pinned by the lock, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
COPY scheduler ./scheduler
COPY seed ./seed
COPY migrations ./migrations
RUN pip install --no-deps .

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 backlot \
    && useradd --system --uid 10001 --gid backlot --home-dir /srv/backlot --create-home backlot
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_CONCURRENCY=2
WORKDIR /srv/backlot
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["sh", "-c", "backlot db upgrade && exec backlot serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY}"]
