# Every target wraps the switchyard CLI (bin/switchyard.mjs). ENV picks the environment of routes.yaml.
ENV ?= dev
CONFIG ?= routes.yaml
SWITCHYARD = node bin/switchyard.mjs

.PHONY: install build check run test test-plan golden bench soak profile clean

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

build: install
	$(SWITCHYARD) build $(CONFIG) --env $(ENV) --out .

check: install
	$(SWITCHYARD) check $(CONFIG) --env $(ENV)

run: build
	$(SWITCHYARD) serve --env $(ENV)

# Builds routes.yaml first: CI validates the shipped config by compiling it, and tsc needs generated/types.
test: test-plan build
	bash test/support/ensure-redis.sh
	bash test/support/ensure-postgres.sh
	bash test/support/ensure-chromium.sh
	npx tsc --noEmit -p .
	npx tsc --noEmit -p dashboard
	npx vitest run $(VITEST_ARGS)

# Said first, so the minutes before the first test result are not silent.
test-plan:
	@echo "make test: build routes.yaml (each stage is printed), start redis-server and PostgreSQL and find Chromium"
	@echo "(Debian packages, installed when missing), type-check, then vitest, two files at a time. The real-client"
	@echo "tests install their CLIs into test/.clients/ on a first run. Several minutes on two cores."

golden: install
	SWITCHYARD_UPDATE_GOLDEN=1 UPDATE_DIAGNOSTICS=1 npx vitest run test/golden test/translate test/generator/diagnostics.test.ts test/library

bench: install
	bash bench/run.sh

# Not in CI: SOAK_MINUTES (10) of mixed load with upstream faults; RSS/heap slope, fds, log lines vs requests.
soak: install
	bash bench/soak.sh

# A CPU profile of the stream path under load and its hottest functions (PROFILE_MODE=plain|stream|translated).
profile: install
	bash bench/profile.sh

clean:
	rm -rf generated/* dist test/.build bench/.work
