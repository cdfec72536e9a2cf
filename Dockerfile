# baremetal-controller image: a static binary on distroless, running as a non-root user.
#
#   docker build -t metalkube/baremetal-controller:latest .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ... .
#
# The builder runs on the build host's platform and cross-compiles for the target one.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd/ cmd/
COPY pkg/ pkg/
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-amd64} \
    go build -trimpath -ldflags="-s -w" -o /out/baremetal-controller ./cmd/baremetal-controller

# distroless/static has no shell and no package manager; :nonroot is user 65532.
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/baremetal-controller /baremetal-controller
USER 65532:65532
ENTRYPOINT ["/baremetal-controller"]
