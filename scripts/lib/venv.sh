# Shared by scripts/run and scripts/test: a virtual environment with pinned dependencies.
# EXTRAS selects optional dependency groups, e.g. EXTRAS=test.

ensure_venv() {
    python=${PYTHON:-python3}
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
    fi
    spec="."
    if [ -n "${EXTRAS:-}" ]; then
        spec=".[${EXTRAS}]"
    fi
    stamp=".venv/.installed-${EXTRAS:-base}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            -c constraints.txt -e "$spec"
        touch "$stamp"
    fi
}
