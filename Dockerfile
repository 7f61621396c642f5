# Plimsoll in a small runtime image.
#
#   docker build -t plimsoll .
#   docker run --rm -v "$PWD:/data" -w /data plimsoll profile testdata/orders --partition date=latest
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_REGION \
#       plimsoll profile s3://lake/orders --partition date=latest
#
# Stage 1 builds the release binary (no debug info, stripped: see `[profile.release]`); the
# dependency graph is built in its own layer first, so an edit of Plimsoll's sources rebuilds
# only Plimsoll. Stage 2 is Debian slim with CA certificates (S3 and REST catalogs over TLS
# verify against the system roots) and the one binary (99 MB, stripped).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The manifest and lock first, with stub targets, so the dependency layer is cached.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs benches/profile.rs benches/hot_path.rs \
    && cargo build --release --locked --bin plimsoll \
    && rm -rf src benches
COPY src src
COPY benches benches
# The stubs' build outputs are older than the real sources; touch them so cargo rebuilds Plimsoll.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin plimsoll \
    && ./target/release/plimsoll --version

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/plimsoll /usr/local/bin/plimsoll
# Not root: a profiler reads tables and writes reports, nothing else.
RUN useradd --create-home --uid 10001 plimsoll
USER plimsoll
WORKDIR /home/plimsoll
ENTRYPOINT ["plimsoll"]
CMD ["--help"]
