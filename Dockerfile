# The Tandem backend image: `tandem server --host 0.0.0.0` as a non-root user, dependencies exactly as locked.
# Build: docker build -t tandem-backend .   (compose.yaml builds it for you)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: resolve nothing, install exactly uv.lock into /app/.venv ------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
# Dependencies first, in their own layer: it survives edits to the code.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project
COPY tandem ./tandem
COPY backend ./backend
COPY agent ./agent
COPY lsp ./lsp
COPY dashboard/static ./dashboard/static
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-editable

# -- runtime: the virtual environment and nothing else ---------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 tandem \
    && useradd --system --uid 10001 --gid tandem --home-dir /var/lib/tandem --create-home --shell /usr/sbin/nologin tandem
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TANDEM_DATA_DIR=/var/lib/tandem \
    TANDEM_HOST=0.0.0.0 \
    TANDEM_PORT=8400
USER tandem
WORKDIR /var/lib/tandem
VOLUME /var/lib/tandem
EXPOSE 8400
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('TANDEM_PORT', '8400'), timeout=2)"]
CMD ["tandem", "server", "--host", "0.0.0.0"]
