# Stage helpers for .ci/run and .ci/e2e (sourced). A stage prints its duration; stages started
# with `start` run side by side, each into its own log, printed when `finish` waits for it; `finish`
# returns the stage's exit status, so a failed stage fails the script (set -e) after its log.

CI_LOGS=${CI_LOGS:-}
if [ -z "$CI_LOGS" ]; then
	CI_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/flextell-ci-XXXXXX")
	export CI_LOGS
	trap 'rm -rf "$CI_LOGS"' EXIT
fi
declare -A CI_PIDS=()

# step <name> <command...>: runs now, in the foreground.
step() {
	local name=$1
	shift
	echo "::: ${name}"
	local start=$SECONDS status=0
	"$@" || status=$?
	echo "::: ${name}: $((SECONDS - start)) s$([ "$status" -eq 0 ] || echo ", FAILED (exit $status)")"
	return "$status"
}

# start <id> <name> <command...>: runs in the background (output into its log).
start() {
	local id=$1 name=$2
	shift 2
	echo "::: ${name} (started, side by side)"
	(
		local begin=$SECONDS status=0
		"$@" >"$CI_LOGS/$id.log" 2>&1 || status=$?
		echo "::: ${name}: $((SECONDS - begin)) s$([ "$status" -eq 0 ] || echo ", FAILED (exit $status)")" >>"$CI_LOGS/$id.log"
		exit "$status"
	) &
	CI_PIDS[$id]=$!
}

# finish <id>: waits for a stage started with `start`, prints its log, returns its exit status.
finish() {
	local id=$1 status=0
	wait "${CI_PIDS[$id]}" || status=$?
	unset "CI_PIDS[$id]"
	echo "----- ${id} -----"
	cat "$CI_LOGS/$id.log"
	return "$status"
}

# finish_all <id...>: waits for every one, prints each log, fails if any failed.
finish_all() {
	local failed=0 id
	for id in "$@"; do finish "$id" || failed=1; done
	return "$failed"
}

# The Debian packages the e2e stages use, when missing: Chromium (the editor test), PostgreSQL and
# Redis (queue mode; scripts/lib/services.js installs them). One job: apt takes one lock.
install_system_packages() {
	if [ -x /usr/bin/chromium ]; then
		echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || true)"
	else
		DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || return 1
		/usr/bin/chromium --version || true
	fi
	node -e "console.log(require('./scripts/lib/services').ensureServerPackages({ say: console.log }))"
}

# The pinned n8n lines (folders under n8n-pins/), newest first.
n8n_versions() {
	ls n8n-pins | sort -r
}
