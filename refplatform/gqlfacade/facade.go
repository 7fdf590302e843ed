package gqlfacade

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Path is where the platform mounts the facade, on its platform port.
const Path = "/graphql"

// MaxBodyBytes bounds a /graphql request body; a longer one is answered 413.
const MaxBodyBytes = 1 << 20

// MaxComplexity bounds an operation's complexity (one per selected field), so a body full
// of aliases cannot fan out into unbounded REST calls; gqlgen answers a heavier operation
// 422 with extensions.code COMPLEXITY_LIMIT_EXCEEDED.
const MaxComplexity = 2000

// CodeInternal is the code of the error answered when the platform's REST answer does not
// fit the schema's types (the platform's own 50252, "Internal server error.").
const CodeInternal = "50252"

// Options says what the facade serves.
type Options struct {
	// REST is the platform's REST handler; every field is answered by one call through it.
	REST http.Handler
	// TasksPath and DetailsPath are the REST paths of create/query and taskDetails.
	TasksPath, DetailsPath string
	// Faults switches the facade's named faults on.
	Faults Faults
	// Logger receives recovered panics (default: discard). Tokens are never logged.
	Logger *slog.Logger
}

// facade is the http.Handler New returns.
type facade struct {
	cfg Options
	gql *handler.Server
}

// New builds the facade's handler: gqlgen's server (POST and GET transports, introspection,
// a complexity limit) behind a 1 MiB body bound, whose resolvers call cfg.REST in-process.
func New(cfg Options) (http.Handler, error) {
	if cfg.REST == nil {
		return nil, errors.New("gqlfacade: no REST handler")
	}
	if cfg.TasksPath == "" || cfg.DetailsPath == "" {
		return nil, errors.New("gqlfacade: empty REST path")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	es := NewExecutableSchema(Config{Resolvers: &Resolver{rest: restClient{cfg: cfg}}})
	srv := handler.New(es)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](256))
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		cfg.Logger.Error("gqlfacade: resolver panic", "panic", fmt.Sprint(v))
		return &gqlerror.Error{Message: "Internal server error.",
			Extensions: map[string]any{"code": CodeInternal, "desc": "Internal server error.", "httpStatus": http.StatusInternalServerError}}
	})
	srv.AroundResponses(cfg.Faults.apply)
	return &facade{cfg: cfg, gql: srv}, nil
}

// ServeHTTP bounds the body, keeps the caller's credentials for the resolvers and hands the
// request to gqlgen.
func (f *facade) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			writeGraphQLError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body unreadable or larger than %d bytes", MaxBodyBytes))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	creds := credentials{appKey: r.Header.Values("App_key"), authorization: r.Header.Values("Authorization")}
	f.gql.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), credentialsKey{}, creds)))
}

// writeGraphQLError answers a request gqlgen never saw, in GraphQL's error shape.
func writeGraphQLError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(graphql.Response{Errors: gqlerror.List{{Message: msg}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// credentials are the caller's app_key and Authorization headers, every value as sent, so
// the REST call sees a missing or duplicated header exactly as a REST client's would be.
type credentials struct {
	appKey, authorization []string
}

type credentialsKey struct{}
