# The bot in a slim image: dependencies in their own cached layer, content baked in (mount your own over
# /app/content to replace it), SQLite data on the /app/data volume, running as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /app
RUN useradd --create-home --uid 10001 bot

# dependencies only: this layer is rebuilt only when pyproject.toml changes
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py && pip install . && pip uninstall -y mlmath-bot && rm -rf bot build

COPY bot ./bot
RUN pip install --no-deps . && rm -rf build
COPY content ./content
RUN mkdir -p /app/data && chown bot:bot /app/data

USER bot
VOLUME ["/app/data"]
# /healthz and /metrics (OPS_PORT; set it empty to turn them off); 8443: Telegram webhook mode. Outside Docker
# both listen on 127.0.0.1 by default; in the container, on its own network (publish neither to the world:
# the ops port stays private, the webhook sits behind your TLS proxy)
ENV OPS_PORT=8080 OPS_LISTEN=0.0.0.0 TELEGRAM_WEBHOOK_LISTEN=0.0.0.0
# a PostgreSQL container may start after the bot: wait up to a minute for it, one line per retry
ENV DATABASE_WAIT_SECONDS=60
EXPOSE 8080 8443
# python -m bot healthcheck asks GET /healthz of the running bot (database, platforms, not stopping)
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "-m", "bot", "healthcheck"]
# SIGTERM: stop taking updates, finish the sends in flight, close the database; exit within 10 s
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
