#!/usr/bin/env bash
# The one script behind the README's two commands: set up a Debian 12 / Raspberry Pi OS
# Bookworm machine for hallq, then either run the server or run every check CI runs.
#
#   tools/bootstrap.sh serve [hallq serve args...]   run the server (built-in example hall)
#   tools/bootstrap.sh test [pytest args...]         ruff, ruff format, mypy, pytest
#
# Safe to run again: Debian packages are installed only when missing, and the venv is
# reinstalled only when pyproject.toml changed. Relative paths given to `serve` are relative
# to the repository root, where the script runs.
#
# Environment: HALLQ_PYTHON picks the interpreter for a new .venv (default: Debian's
# python3); HALLQ_CHROMIUM overrides the browser the tests drive.
set -euo pipefail

# espeak-ng and sox: the first start renders the default voice pack (docs/voice.md).
SERVE_PACKAGES=(python3 python3-venv python3-pip espeak-ng sox)
# fonts-noto-core (12 MB download, 42 MB installed) carries Noto Sans Mongolian and Noto
# Naskh/Sans Arabic, the fonts of the boards' second language (docs/boards.md).
# A "a|b" entry is satisfied by either package and installs the first: Raspberry Pi OS
# images may carry chromium-browser instead of Debian's chromium.
TEST_PACKAGES=(chromium\|chromium-browser fonts-wqy-microhei fonts-noto-core espeak-ng sox alsa-utils zbar-tools libusb-1.0-0 gcc python3-dev)
MIN_PYTHON=(3 11)
MIN_VERSION="${MIN_PYTHON[0]}.${MIN_PYTHON[1]}"

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

usage() {
	cat >&2 <<'EOF'
usage: tools/bootstrap.sh serve [hallq serve args...]
       tools/bootstrap.sh test [pytest args...]

serve  installs what the server needs and runs `hallq serve` (with no args: the built-in
       example hall at http://127.0.0.1:8080/)
test   installs what the tests need and runs ruff check, ruff format --check, mypy, pytest
EOF
}

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$ROOT"
VENV=.venv

# --- Debian packages ---------------------------------------------------------------------

is_installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == "install ok installed" ]]
}

APT_UPDATED=0
apt_get() {
	if [[ $EUID -eq 0 ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get "$@"
	elif [[ -t 0 ]]; then
		sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
	else
		# Without a terminal sudo cannot ask for a password: fail at once instead of hanging.
		sudo -n DEBIAN_FRONTEND=noninteractive apt-get "$@"
	fi
}

apt_install() {
	if [[ $EUID -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
		die "not root and no sudo: install these packages as root, then run again: $*"
	fi
	if [[ $APT_UPDATED -eq 0 ]]; then
		say "apt-get update"
		apt_get update -q ||
			die "apt-get update failed; as root, run: apt-get update && apt-get install $*"
		APT_UPDATED=1
	fi
	say "installing Debian packages: $*"
	apt_get install -y -q --no-install-recommends "$@" ||
		die "apt-get install failed; as root, run: apt-get install $*"
}

ensure_packages() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		say "no dpkg-query: not Debian, so install these yourself if missing: ${*//|/ or }"
		return 0
	fi
	local entry alt alts found missing=()
	for entry in "$@"; do
		found=0
		IFS='|' read -r -a alts <<<"$entry"
		for alt in "${alts[@]}"; do
			if is_installed "$alt"; then
				found=1
				break
			fi
		done
		[[ $found -eq 1 ]] || missing+=("${alts[0]}")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		apt_install "${missing[@]}"
	fi
}

# --- Python and the venv -----------------------------------------------------------------

pick_python() {
	if [[ -n ${HALLQ_PYTHON:-} ]]; then
		command -v "$HALLQ_PYTHON" || die "HALLQ_PYTHON=$HALLQ_PYTHON is not an executable"
	elif [[ -x /usr/bin/python3 ]]; then
		echo /usr/bin/python3 # Debian's, which the packages above belong to
	else
		command -v python3 || die "no python3 found; install Python $MIN_VERSION or newer"
	fi
}

python_ok() {
	"$1" -c "import sys; sys.exit(sys.version_info < (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}))" 2>/dev/null
}

ensure_venv() {
	if [[ -x $VENV/bin/python ]] && python_ok "$VENV/bin/python"; then
		return 0
	fi
	local python version
	python=$(pick_python)
	version=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) ||
		die "$python does not run"
	python_ok "$python" ||
		die "hallq needs Python $MIN_VERSION or newer; $python is $version" \
			"(Debian 12 and Raspberry Pi OS Bookworm ship 3.11)"
	if ! "$python" -c 'import ensurepip' 2>/dev/null; then
		# Debian moves ensurepip out of python3 into python3-venv (python3.X-venv).
		if [[ $python == /usr/bin/* ]]; then
			ensure_packages python3-venv "python3.$(cut -d. -f2 <<<"$version")-venv"
		fi
		"$python" -c 'import ensurepip' 2>/dev/null ||
			die "$python cannot make a venv (no ensurepip): install python3-venv for it"
	fi
	if [[ -e $VENV ]]; then
		say "$VENV is broken or too old: recreating it with $python ($version)"
		"$python" -m venv --clear "$VENV"
	else
		say "creating $VENV with $python ($version)"
		"$python" -m venv "$VENV"
	fi
}

# A stamp inside .venv holds the hash of pyproject.toml at the last install, one per extras
# set; a fresh venv has none and so always installs.
pyproject_hash() { sha256sum pyproject.toml | cut -d' ' -f1; }

stamp_current() {
	local stamp="$VENV/.hallq-installed-$1"
	[[ -x $VENV/bin/hallq && -f $stamp && $(<"$stamp") == "$(pyproject_hash)" ]]
}

install_project() {
	local extras=$1 spec=.
	[[ $extras == base ]] || spec=".[$extras]"
	say "pip install -e '$spec' (a minute or so the first time)"
	PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
		"$VENV/bin/python" -m pip install --quiet -e "$spec" ||
		die "pip install -e '$spec' failed (see above)"
	pyproject_hash >"$VENV/.hallq-installed-$extras"
}

# An editable install leaves hallq's sources uncompiled; where PYTHONDONTWRITEBYTECODE is set
# nothing ever writes their bytecode, and every start of a server, kiosk or station compiles
# them anew (a seventh of a server's start on a 2-core PC, more on a Pi). compileall skips
# what is current, so a second run costs a moment.
compile_sources() {
	"$VENV/bin/python" -m compileall -q queue_server kiosk display drivers >/dev/null ||
		die "compiling hallq's sources failed"
}

# --- commands ----------------------------------------------------------------------------

run_step() {
	say "running: $*"
	"$VENV/bin/$1" "${@:2}" || die "$* failed"
}

find_chromium() {
	if [[ -x /usr/bin/chromium ]]; then
		echo /usr/bin/chromium
	else
		command -v chromium-browser || command -v chromium
	fi
}

cmd_serve() {
	ensure_packages "${SERVE_PACKAGES[@]}"
	ensure_venv
	# The dev install is a superset of the plain one.
	if stamp_current base || stamp_current dev,devices; then
		say "$VENV is up to date with pyproject.toml"
	else
		install_project base
	fi
	compile_sources
	say "setup done in ${SECONDS}s; starting: hallq serve${*:+ $*}"
	exec "$VENV/bin/hallq" serve "$@"
}

cmd_test() {
	ensure_packages "${SERVE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
	ensure_venv
	if stamp_current dev,devices; then
		say "$VENV is up to date with pyproject.toml"
	else
		install_project dev,devices
	fi
	compile_sources
	if [[ -z ${HALLQ_CHROMIUM:-} ]]; then
		HALLQ_CHROMIUM=$(find_chromium) || true
		[[ -n $HALLQ_CHROMIUM ]] || die "no chromium or chromium-browser found for the browser tests"
	fi
	export HALLQ_CHROMIUM
	say "setup done in ${SECONDS}s; browser: $HALLQ_CHROMIUM"

	run_step ruff check .
	run_step ruff format --check .
	run_step mypy
	say "running: pytest -q${*:+ $*}"
	local rc=0
	"$VENV/bin/pytest" -q "$@" || rc=$?
	case $rc in
	0) say "all checks passed in ${SECONDS}s" ;;
	5) say "error: pytest collected no tests: that counts as a failure" ;;
	*) say "error: pytest failed (exit code $rc)" ;;
	esac
	exit "$rc"
}

case ${1:-} in
serve) cmd_serve "${@:2}" ;;
test) cmd_test "${@:2}" ;;
-h | --help | help)
	usage
	exit 0
	;;
*)
	usage
	exit 2
	;;
esac
