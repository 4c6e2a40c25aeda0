# The two commands of README: `make run` and `make test`. Both install what they need.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test run golden-update fuzz bench clean

all: build

deps:
	@bash .ci/deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null; fi

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# samples/monitoring.lux (both servers, embedded defaults) with `luxc run`, until Ctrl-C.
run: build
	@bash samples/run.sh $(BUILD_DIR)

# Rewrites every golden file from the current compiler; review `git diff tests/golden` before committing.
golden-update: build
	@python3 tests/golden/run_golden.py --luxc $(BUILD_DIR)/luxc --update

clean:
	rm -rf $(BUILD_DIR)
