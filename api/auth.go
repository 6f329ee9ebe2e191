package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Auth configures access control.
type Auth struct {
	// Keys holds the API keys; nil means no keys exist.
	Keys *KeyStore
	// Required refuses requests without a valid key. A key sent when not
	// required is still checked and its limits apply.
	Required bool
	// Rate and Burst are the limits of keys that set none (default 20/s,
	// bursts of 40).
	Rate  float64
	Burst int
	// AnonRate, when above 0, limits requests without a key per client
	// address (with bursts of twice as many).
	AnonRate float64
}

const keyContext = "shoulders.key"

// keyOf returns the request's authenticated key, nil for anonymous.
func keyOf(c *gin.Context) *Key {
	if v, ok := c.Get(keyContext); ok {
		return v.(*Key)
	}
	return nil
}

// bearer reads the key from "Authorization: Bearer" or "X-API-Key".
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// authenticate resolves the key of every request, refusing missing,
// unknown and revoked keys when auth is required, and rate-limits.
func (s *Server) authenticate() gin.HandlerFunc {
	lim := &limiters{m: map[string]*rate.Limiter{}}
	return func(c *gin.Context) {
		token := bearer(c.Request)
		var key *Key
		switch {
		case token != "":
			var err error
			if s.Auth.Keys != nil {
				key, err = s.Auth.Keys.Authenticate(token)
			} else {
				err = ErrBadKey
			}
			if err != nil {
				code := "invalid_key"
				if errors.Is(err, ErrRevokedKey) {
					code = "key_revoked"
				}
				c.Header("WWW-Authenticate", `Bearer realm="shoulders"`)
				c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error{code, err.Error()}})
				return
			}
			c.Set(keyContext, key)
		case s.Auth.Required:
			c.Header("WWW-Authenticate", `Bearer realm="shoulders"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error{"unauthorized", "an API key is required: send Authorization: Bearer <key> (create one with shoulders keys create)"}})
			return
		}
		var l *rate.Limiter
		switch {
		case key != nil:
			r, b := key.Rate, key.Burst
			if r <= 0 {
				r, b = s.Auth.Rate, s.Auth.Burst
			}
			if r <= 0 {
				r, b = 20, 40
			}
			l = lim.get("key:"+key.ID, r, max(b, 1))
		case s.Auth.AnonRate > 0:
			l = lim.get("ip:"+c.ClientIP(), s.Auth.AnonRate, max(int(2*s.Auth.AnonRate), 1))
		}
		if l != nil && !l.Allow() {
			r := l.Reserve()
			wait := r.Delay()
			r.Cancel()
			c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error{"rate_limited", "too many requests for this key; retry after the time in Retry-After"}})
			return
		}
		c.Next()
	}
}

// limiters holds one token bucket per key or client address.
type limiters struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func (l *limiters) get(id string, r float64, burst int) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) > 100_000 {
		l.m = map[string]*rate.Limiter{} // many client addresses: start over rather than grow
	}
	lim, ok := l.m[id]
	if !ok || lim.Limit() != rate.Limit(r) || lim.Burst() != burst {
		lim = rate.NewLimiter(rate.Limit(r), burst)
		l.m[id] = lim
	}
	return lim
}

// require refuses keys without scope. Anonymous requests pass: they only
// reach here when auth is not required.
func require(scope Scope) gin.HandlerFunc {
	return func(c *gin.Context) {
		if k := keyOf(c); k != nil && !k.Can(scope) {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error{"forbidden_scope", "this API key lacks the " + string(scope) + " scope"}})
			return
		}
		c.Next()
	}
}

// corsMaxAge is how long browsers may cache a preflight answer.
const corsMaxAge = 10 * time.Minute

// cors lets pages from the allowed origins call the API. A cross-origin
// request from anywhere else is refused with a JSON error; same-origin
// requests (no Origin header, or the server's own) pass.
func corsFor(origins []string) gin.HandlerFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[strings.TrimRight(o, "/")] = true
	}
	inner := func(c *gin.Context) { c.Next() }
	if len(origins) > 0 {
		inner = cors.New(cors.Config{
			AllowOrigins:  origins,
			AllowMethods:  []string{"GET", "POST", "DELETE", "OPTIONS"},
			AllowHeaders:  []string{"Authorization", "Content-Type", "Accept", "X-API-Key", "X-Request-ID"},
			ExposeHeaders: []string{"X-Request-ID", "Retry-After"},
			MaxAge:        corsMaxAge,
		})
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" || allowed[origin] || origin == "http://"+c.Request.Host || origin == "https://"+c.Request.Host {
			if allowed[origin] {
				inner(c)
				return
			}
			c.Next()
			return
		}
		c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error{"origin_not_allowed", "origin " + origin + " is not in the CORS allow-list (SHOULDERS_CORS_ORIGINS)"}})
	}
}
