# Build stage: compile the production binary (release, optimised across crates).
FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits reuse the cached dependency layer.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --profile production --locked 2>/dev/null || true
COPY src src
COPY migrations migrations
RUN touch src/main.rs src/lib.rs && cargo build --profile production --locked

# Runtime stage: the binary alone, as an unprivileged user.
FROM debian:bookworm-slim
RUN useradd --system --no-create-home yhdyspinta
COPY --from=build /src/target/production/yhdyspinta /usr/local/bin/yhdyspinta
USER yhdyspinta
ENV YHDYSPINTA_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["yhdyspinta"]
# Production data only; `docker compose` (and anyone who asks) adds `--demo`.
CMD ["serve"]
