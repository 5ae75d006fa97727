# The two commands of the README:
#   make run   install what is missing, build, start the playground with the demo model
#   make test  install what is missing, build, run every test (also under ASan/UBSan),
#              and fuzz each parser for 30 s (make fuzz-ci)
# make fuzz: the fuzz targets (or FUZZ_TARGETS) for FUZZ_SECONDS each (docs/security/fuzzing.md).
# Dependencies come from Debian packages only (apt), installed when missing.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 600
FUZZ_TARGETS   ?=
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
PROMPT         ?= Once upon a time
PORT           ?= 8080
PREFIX         ?= /usr/local
DESTDIR        ?=
DEBIAN_PACKAGES := cmake g++ make pkg-config git python3 libcli11-dev nlohmann-json3-dev \
                   libgtest-dev libgmock-dev libbenchmark-dev \
                   libcpp-httplib-dev libssl-dev libspdlog-dev libtomlplusplus-dev libsqlite3-dev \
                   libsodium-dev libjwt-dev libhnswlib-dev \
                   libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libjpeg-dev \
                   zlib1g-dev libfreetype-dev libharfbuzz-dev libuchardet-dev libpq-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps compat-deps docs-deps web web-deps build build-asan run story install test test-unit test-asan test-web \
        fuzz-deps build-fuzz fuzz fuzz-ci bench clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Swagger UI (npm swagger-ui-dist), served by playground serve at /docs from tools/swagger-ui/node_modules.
docs-deps: deps
	cd tools/swagger-ui && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }

# The web UI (web/, React + Vite): npm ci when package-lock.json is newer than
# the installed packages, then the build (type check, vite build, first-page
# size budget) into web/dist, which playground serve serves at /.
web-deps: deps
	cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }

web: web-deps
	cd web && npm run build

build: deps docs-deps web
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# -O1 -g1: what AddressSanitizer recommends, with line numbers in its reports;
# it compiles in about half the time of -O2 -g.
build-asan: deps docs-deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
	  -DPG_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target playground_tests

# Starts the playground on http://127.0.0.1:8080 with the built-in demo model
# (API under /api/v1, OpenAI /v1, Ollama /api, Swagger UI at /docs); Ctrl-C stops it.
run: build
	./$(BUILD_DIR)/playground serve --host 127.0.0.1 --port $(PORT)

# Installs the binary, the demo model, the web UI and Swagger UI files, the man page
# and the systemd unit under $(DESTDIR)$(PREFIX) (docs/DEPLOY.md).
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR) --prefix "$(PREFIX)"

# A story from the demo model on the terminal.
story: build
	./$(BUILD_DIR)/playground run -p "$(PROMPT)" -n 200

test: test-unit test-asan test-web fuzz-ci

# npm packages of the client compatibility tests (the official openai and ollama clients).
compat-deps:
	cd tests/compat && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }

# Installs those of the Debian packages $(1) that are missing; $(2) says what they are for.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages $(2):$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

# Debian packages only the tests use: real PDFs (the R manuals) for the document
# tests, nginx for the load-balancer test and the PostgreSQL server for the storage
# tests (both started by the tests as ordinary processes in temp dirs, never as services),
# headless Chromium for the web UI's end-to-end tests (driven by npm playwright-core).
TEST_PACKAGES := r-doc-pdf nginx postgresql chromium chromium-driver
test-deps: deps
	$(call install_missing,$(TEST_PACKAGES),for the tests)

test-unit: build compat-deps test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Hostile-input, scalar-reference, kernel, template, server, store, auth, document and encoder tests again under AddressSanitizer + UBSan.
# The retrieval quality measure (RagQualityQuestions: ingests the R manuals) runs in test-unit only; the code it
# runs is covered here by the other Rag* tests.
test-asan: build-asan test-deps
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./playground_tests --gtest_filter='Gguf*:*Corrupt*:*Reference*:Tokenizer*:Sampler*:Quant*:Template*:Gbnf*:GrammarMatcher*:JsonSchemaGrammar*:TokenConstraint*:ToolCall*:Reasoning*:ConstrainedGeneration*:Server*:Store*:Auth*:Kernels*:*ModelBatching*:*ArchFidelity*:SlidingWindow*:ModelOps*:Moe*:Rag*:Bert*:Engines/*:-TokenConstraint.Llama3VocabularyAgreesWithTheCodePointMatcher:RagQualityQuestions.*'

# The web UI's tests: Vitest (components, API and streaming client), then the
# end-to-end run in headless Chromium against real servers (screenshots to docs/screenshots).
test-web: build test-deps
	cd web && npm test
	cd web && node e2e/run.mjs ../$(BUILD_DIR)/playground

# Fuzzing (fuzz/, libFuzzer + ASan + UBSan): clang 14 and its libFuzzer runtime.
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev
fuzz-deps: deps
	$(call install_missing,$(FUZZ_PACKAGES),for fuzzing)

# Only the parsers under test are compiled (fuzz/CMakeLists.txt), with clang.
build-fuzz: fuzz-deps
	cmake -S fuzz -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=clang++-14 \
	  $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)

# Each target for FUZZ_SECONDS on its corpus, one at a time; crashing inputs
# go to fuzz/crashes/<target>/ and fail the run.
fuzz: build-fuzz
	fuzz/run_fuzz.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) 1 $(FUZZ_TARGETS)

# What `make test` runs: each target for 30 s, two at a time.
fuzz-ci: build-fuzz
	fuzz/run_fuzz.sh $(FUZZ_BUILD_DIR) 30 2 $(FUZZ_TARGETS)

bench: build
	./$(BUILD_DIR)/playground bench -m models/demo/stories260K.gguf

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
