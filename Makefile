# Vica: `make run` starts the desktop app (demo data when no account is
# connected); `make test` runs every check and test. Both install what they
# need first (scripts/setup.sh).

CARGO ?= cargo
APP := target/debug/vica-app

.PHONY: run setup ui app cli test lint test-rust test-ui test-keychain e2e fmt test-fuzz bench

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

test: setup lint test-ui test-rust test-fuzz test-keychain e2e

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd ui && npm run check

test-ui:
	cd ui && npm test

test-rust: ui
	$(CARGO) test --workspace

# Every fuzz target for 20 s (scripts/fuzz.sh 600 for a longer run).
test-fuzz:
	./scripts/fuzz.sh 20

# Every benchmark figure with its target in one table (not part of `test`).
bench:
	./scripts/bench.sh

# Tokens in a real Secret Service: gnome-keyring in a private D-Bus session.
test-keychain: setup
	./scripts/keychain-tests.sh

# The real app window, driven by tauri-driver + WebKitWebDriver under Xvfb.
e2e: setup
	./scripts/e2e.sh

fmt:
	$(CARGO) fmt --all
