# The batchcert image: one static binary (CGO_ENABLED=0) on distroless/static, no shell, run
# as the nonroot user (65532) that deploy/kubernetes/ expects. Build it from the repository root:
#   docker build -t batchcert:dev .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/batchcert ./cmd/batchcert

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/batchcert /batchcert
USER 65532:65532
ENTRYPOINT ["/batchcert"]
