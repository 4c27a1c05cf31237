# Production image: one image for migrate, worker and web (docker-compose.yml picks the command).
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY web/copy_vendor.js web/copy_vendor.js
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /src/web/static/vendor web/static/vendor
# gcc only for the X12 readers' C accelerator, removed again once it is built.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir --no-deps -e . \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# The workflow sandbox imports the workflow modules afresh for every workflow it starts;
# with PYTHONDONTWRITEBYTECODE nothing would cache their bytecode, so compile it here.
RUN python -m compileall -q workflows
RUN useradd --system --home /app iopbill && chown -R iopbill /app
USER iopbill
CMD ["iopbill", "web"]
