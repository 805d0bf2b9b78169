# Vica: `make run` starts the desktop app (its first start offers demo
# data or an account); `make test` runs every check and test. Both install what they
# need first (scripts/setup.sh).

CARGO ?= cargo
APP := target/debug/vica-app

.PHONY: run setup ui app cli test lint test-rust test-ui test-keychain e2e fmt \
	bundle install-test lint-workflows licenses licenses-check test-fuzz bench types

run: app
	./$(APP)

setup:
	./scripts/setup.sh

ui: setup
	cd ui && npm run build

# The built UI is embedded only with the custom-protocol feature.
app: ui
	$(CARGO) build -p vica-app --features custom-protocol

cli:
	$(CARGO) build -p vica-cli

# Every phase in turn, each timed (scripts/test.sh).
test:
	./scripts/test.sh

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd ui && npm run check

test-ui:
	cd ui && npm test

# With the UI embedded (custom-protocol): the same build then serves the
# keychain tests and the window tests, which need the app that way.
TEST_FEATURES := --features vica-app/custom-protocol

test-rust: ui
	$(CARGO) test --workspace $(TEST_FEATURES)

# Every fuzz target for 20 s (scripts/fuzz.sh 600 for a longer run).
test-fuzz:
	./scripts/fuzz.sh 20

# Every benchmark figure with its target in one table, then the app's idle
# memory beside a bare Tauri window (not part of `test`).
bench:
	./scripts/bench.sh
	./scripts/bench-memory.sh

# Tokens in a real Secret Service: gnome-keyring in a private D-Bus session.
test-keychain: setup
	./scripts/keychain-tests.sh

# The real app window, driven by tauri-driver + WebKitWebDriver under Xvfb.
e2e: setup
	./scripts/e2e.sh

fmt:
	$(CARGO) fmt --all

# The UI's IPC types (ui/src/ipc/generated/) written from the Rust types with
# ts-rs; the same unit tests fail in `make test` while a committed file differs.
types: ui
	VICA_WRITE_TYPES=1 $(CARGO) test -p vica-core --lib typescript
	VICA_WRITE_TYPES=1 $(CARGO) test -p vica-sync --lib typescript
	VICA_WRITE_TYPES=1 $(CARGO) test -p vica-api --lib typescript
	VICA_WRITE_TYPES=1 $(CARGO) test -p vica-app --features vica-app/custom-protocol --lib typescript

# The release app and its .deb and .rpm (target/release/bundle/), with the
# Tauri CLI at a pinned version.
bundle: setup
	./scripts/bundle.sh

# Installs the .deb, runs the installed app in a real window, removes it.
# Needs root; one window test at a time machine-wide (the lock).
install-test: bundle
	flock /tmp/vica-e2e.lock ./scripts/install-test.sh

# The release workflow, checked with actionlint.
lint-workflows:
	./scripts/lint-workflows.sh

# The bundled dependencies' licenses shown in About (src-tauri/third-party-licenses.json).
licenses:
	python3 scripts/licenses.py

licenses-check:
	python3 scripts/licenses.py --check
