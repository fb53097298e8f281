# Entry points: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GOLANGCI_LINT_VERSION := v2.15.0
MAGE_VERSION := v1.17.2
TOOLS := $(HOME)/.cache/persistwatch/tools/bin
GOLANGCI_LINT := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)

.PHONY: demo test deps test-go lint-go test-frontend test-render package build build-frontend build-backend bench

deps:
	scripts/install-deps.sh

# Extra arguments for the viewer, e.g. `make demo DEMO_ARGS=-rounds=1`.
demo:
	scripts/demo.sh $(DEMO_ARGS)

test: deps lint-go test-go test-bench-smoke test-fuzz test-frontend test-render

lint-go: $(GOLANGCI_LINT)
	@unformatted=$$(gofmt -l pkg cmd internal tests tools Magefile.go); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	go vet -tags realredis ./...
	$(GOLANGCI_LINT) run ./...
	cd tools/composecheck && go vet ./... && $(GOLANGCI_LINT) run --config ../../.golangci.yml ./...

# -race over every package, the real-server tests included (build tag realredis: a plain
# `go test ./...` runs only what needs nothing but Go, and says what it left out); the fuzz seed
# corpus runs as tests.
# tools/composecheck is its own module (compose-go stays out of the plugin's go.mod): it validates
# docker-compose.yaml without a Docker engine.
test-go:
	go test -tags realredis -race -count=1 ./...
	cd tools/composecheck && go test -count=1 ./...

# The browser test renders both editors in Debian's Chromium (no browser download).
test-frontend:
	npm run typecheck
	npm run lint
	npm run build
	@for f in src/runbooks/*.md; do cmp -s "$$f" "dist/$${f#src/}" || { echo "dist/$${f#src/} is missing or differs: the build must ship every runbook"; exit 1; }; done
	npm run test:ci
	HARNESS_PORT=$$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})') \
		npm run test:browser

# The card as Grafana draws it: real redis-server nodes in every state, the plugin under the
# plugin host (cmd/demo), the dashboard's stat panels rendered by @grafana/data and @grafana/ui in
# Debian's Chromium. UPDATE_DOCS=1 also refreshes docs/cards.png.
test-render:
	npm run test:render

build: build-frontend build-backend

# artifacts/<id>-<version>.zip as the plugin catalogue expects (the script's header says how to
# run Grafana's plugin validator on it).
package: build
	scripts/package.sh

build-frontend: deps
	npm run build

# The SDK's mage targets build linux amd64/arm64/arm, darwin amd64/arm64 and windows into dist/.
build-backend:
	go run github.com/magefile/mage@$(MAGE_VERSION) -v buildAll

bench:
	go test -tags realredis ./pkg/plugin -run '^$$' -bench . -skip Farm -benchmem

# One round of each benchmark that drives other processes, so that make test keeps them working:
# the protocol benchmark (its floors must keep the card's shape, the panel's field selection must
# apply) and the farm path of the fleet benchmark on 20 nodes. The figures mean nothing here.
.PHONY: test-bench-smoke
test-bench-smoke:
	go test -tags realredis ./tests/protocol -run '^$$' -bench Protocol -benchtime 1x -protocol.warmup 1
	go test -tags realredis ./tests/fleet -run '^$$' -bench Fleet -benchtime 1x -timeout 10m -fleet.farm -fleet.sizes=20 \
	  -fleet.polls=1 -fleet.warmup=0 -fleet.concurrent-polls=1 -fleet.concurrent-queries=2 -fleet.settle=0

# Fleets of 1, 10, 100 and 1,000 real redis-server processes, each polled by a bare go-redis
# fan-out, the plugin over gRPC and redis_exporter (docs/benchmarks.md). Heavy: ~3 GiB and some
# minutes for 1,000 nodes; not part of make test. Extra flags: FLEET_ARGS=-fleet.polls=20
# The soak (docs/robustness.md): 100 real nodes, a tenth killed and stopped at random, 10,000
# card queries and a Live stream; bounded by -soak.max. Not part of make test. Extra flags:
# SOAK_ARGS=-soak.queries=2000
.PHONY: soak
soak:
	go test -tags realredis ./tests/fleet -run '^$$' -bench Soak -benchtime 1x -timeout 30m $(SOAK_ARGS)

.PHONY: bench-fleet
bench-fleet:
	go test -tags realredis ./tests/fleet -run '^$$' -bench Fleet -benchtime 1x -timeout 60m -fleet.sizes=1,10,100,1000 $(FLEET_ARGS)

# The same contenders (not redis_exporter) on 1,000 to 10,000 nodes served by farm processes
# replaying a recording of a real redis-server (docs/benchmarks.md). Extra flags as for bench-fleet.
.PHONY: bench-fleet-farm
bench-fleet-farm:
	go test -tags realredis ./tests/fleet -run '^$$' -bench Fleet -benchtime 1x -timeout 60m -fleet.farm -fleet.sizes=1000,2000,5000,10000 $(FLEET_ARGS)

# Runs every fuzz target for FUZZTIME each (their seed corpora already run in test-go); make test
# fuzzes each for 20,000 inputs, docs/robustness.md has the figures of a long run. E.g.
# `make fuzz FUZZTIME=10m`. make test counts inputs rather than time: Go 1.26's fuzzing can fail a
# timed run at its end with a bare "context deadline exceeded" when an input is still running
# (golang/go#75804), and node replies that never finish wait out a read timeout.
FUZZTIME ?= 30s
.PHONY: test-fuzz
test-fuzz:
	$(MAKE) fuzz FUZZTIME=20000x

.PHONY: fuzz
fuzz:
	grep -rl --include='*_test.go' '^func Fuzz' pkg internal | sort | while read -r file; do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			go test "./$$(dirname "$$file")" -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME); \
		done; \
	done

$(GOLANGCI_LINT):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS)/golangci-lint $@
