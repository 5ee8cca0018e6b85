"""Realistic Dockerfiles shared by the example-based and property tests."""

from __future__ import annotations

PYTHON = """\
# syntax=docker/dockerfile:1.7
ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1
WORKDIR /app

FROM base AS deps
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install -r requirements.txt

FROM deps AS runtime
ARG PORT=8000
ENV PORT=${PORT} \\
    SECRET_KEY=change-me-in-prod
COPY . .
RUN <<EOF
useradd --uid 10001 --no-create-home app
chown -R app /app
EOF
USER app
EXPOSE ${PORT}
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \\
  CMD curl -fsS http://localhost:${PORT}/healthz || exit 1
LABEL org.opencontainers.image.source="https://github.com/example/orders" \\
      org.opencontainers.image.licenses=MIT
CMD ["gunicorn", "-b", "0.0.0.0:8000", "orders.wsgi"]
"""

NODE = """\
FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

FROM node:20-alpine AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm run build

FROM node:20-alpine AS runner
WORKDIR /app
ENV NODE_ENV=production
RUN addgroup -S nodejs && adduser -S nextjs -G nodejs
COPY --from=build --chown=nextjs:nodejs /app/.next ./.next
COPY --from=deps /app/node_modules ./node_modules
USER nextjs
EXPOSE 3000
ENV PORT=3000 HOSTNAME="0.0.0.0"
HEALTHCHECK CMD wget -q --spider http://127.0.0.1:3000/api/health || exit 1
CMD ["node", "server.js"]
"""

GO = """\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/server"]
"""

JAVA = """\
ARG JDK=21
FROM --platform=$BUILDPLATFORM eclipse-temurin:${JDK}-jdk AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B dependency:go-offline
COPY src src
RUN ./mvnw -B package -DskipTests

FROM eclipse-temurin:21-jre
RUN groupadd --system spring && useradd --system --gid spring spring
USER spring:spring
WORKDIR /opt/app
COPY --from=build /workspace/target/*.jar app.jar
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75" SERVER_PORT=8081
EXPOSE ${SERVER_PORT}
HEALTHCHECK --start-period=40s --start-interval=5s \\
  CMD ["curl", "-f", "http://localhost:8081/actuator/health/readiness"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["sh", "-c", "java $JAVA_OPTS -jar app.jar"]
"""

WINDOWS = """\
# escape=`

FROM mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022 AS build
WORKDIR C:\\src
COPY *.csproj .
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o C:\\app `
    --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:8.0-windowsservercore-ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
WORKDIR C:\\app
COPY --from=build C:\\app .
ENV ASPNETCORE_URLS=http://+:80
EXPOSE 80
USER ContainerUser
HEALTHCHECK CMD powershell -command `
    try { $r = Invoke-WebRequest http://localhost/health -UseBasicParsing; `
    if ($r.StatusCode -eq 200) { return 0 } else { return 1 } } catch { return 1 }
ENTRYPOINT ["dotnet", "Web.dll"]
"""

NGINX_HEREDOC = """\
# syntax=docker/dockerfile:1
FROM nginx:1.27-alpine
COPY <<-EOF /etc/nginx/conf.d/default.conf
\tserver {
\t    listen 8080;
\t    location /healthz { return 200 'ok'; }
\t}
\tEOF
COPY <<EOF /usr/share/nginx/html/index.html
<h1>Hello</h1>
EOF
RUN <<'SCRIPT' bash
set -eu
echo "EXPOSE 1234 is not an instruction here"
SCRIPT
EXPOSE 8080
STOPSIGNAL SIGQUIT
"""

ALL = (PYTHON, NODE, GO, JAVA, WINDOWS, NGINX_HEREDOC)
