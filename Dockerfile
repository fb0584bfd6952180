# The bot in a container: SQLite in the /app/data volume by default, or PostgreSQL
# through DATABASE_URL (see compose.yaml). Build: docker build -t kupiansk-quizbot .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump, so `quizbot backup` and BACKUP_DIR work with PostgreSQL too.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 quizbot \
    && useradd --system --uid 10001 --gid quizbot --home-dir /app --shell /usr/sbin/nologin quizbot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY scripts/setup.sh scripts/setup.sh
COPY bot/ bot/
COPY db/ db/
COPY questions/ questions/

# The same install as on a workstation (README: scripts/setup.sh), without test tools.
RUN QUIZBOT_EXTRAS='' bash scripts/setup.sh \
    && mkdir -p /app/data \
    && chown quizbot:quizbot /app/data

ENV PATH="/app/.venv/bin:${PATH}" \
    DATABASE_URL=sqlite+aiosqlite:////app/data/quizbot.db \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=8080 \
    LOG_FORMAT=json \
    MPLCONFIGDIR=/tmp/matplotlib

USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8080

# 200 only while the gateway is connected and the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]

# SIGTERM: pending answers written, running quizzes handed over, exit 0 within 10 s.
STOPSIGNAL SIGTERM
CMD ["quizbot", "run"]
