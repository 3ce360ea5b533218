# Peilian web app: a slim image that runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/peilian

COPY pyproject.toml README.md ./
COPY app ./app
COPY scoring ./scoring
COPY personas ./personas
COPY prompts ./prompts
RUN pip install . && useradd --create-home --uid 10001 peilian && mkdir -p /data && chown peilian /data

USER peilian
ENV DATABASE_URL=sqlite:////data/peilian.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["peilian", "serve", "--host", "0.0.0.0", "--port", "8000"]
