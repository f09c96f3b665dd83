# Shared by the jipc scripts (source it): finds a JDK >= 25 and builds modules on demand.
#
# JDK search order: $JIPC_JAVA_HOME, $JAVA_HOME, java on PATH, /usr/lib/jvm/*, /usr/java/*,
# /opt/java/*, /opt/*jdk*, ~/.sdkman/candidates/java/*, ~/.jdks/*.

JIPC_REQUIRED_JAVA=25

jipc_java_major() {
    # prints the feature version of the java executable $1, or nothing. Reads JAVA_VERSION from the
    # JDK's `release` file (every JDK since 9 has one) rather than starting a JVM, which costs about
    # 0.1 s per candidate on every launch; asks `java -version` only when there is no such file.
    local v="" real
    real=$(readlink -f "$1" 2>/dev/null) || real=$1
    if [[ $real == */bin/java && -r ${real%/bin/java}/release ]]; then
        v=$(awk -F'"' '/^JAVA_VERSION=/ {print $2; exit}' "${real%/bin/java}/release") || v=""
    fi
    if [[ -z $v ]]; then
        v=$("$1" -version 2>&1 | awk -F'"' '/version "/ {print $2; exit}') || return 0
    fi
    v=${v%%[.+-]*}
    [[ $v =~ ^[0-9]+$ ]] && echo "$v"
}

# prints the path of a java executable of a JDK >= 25, or fails
jipc_find_java() {
    local candidates=()
    [[ -n ${JIPC_JAVA_HOME:-} ]] && candidates+=("$JIPC_JAVA_HOME/bin/java")
    [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    local d
    for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/*jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [[ -x $d/bin/java ]] && candidates+=("$d/bin/java")
    done
    local c major
    for c in "${candidates[@]}"; do
        [[ -x $c ]] || continue
        major=$(jipc_java_major "$c")
        if [[ -n $major && $major -ge $JIPC_REQUIRED_JAVA ]]; then
            echo "$c"
            return 0
        fi
    done
    echo "jipc: no JDK $JIPC_REQUIRED_JAVA or later found (set JIPC_JAVA_HOME); looked at JAVA_HOME, PATH and /usr/lib/jvm" >&2
    return 1
}

# jipc_ensure_built ROOT MODULE MARKER: builds MODULE (with what it needs) when MARKER (a file the
# build produces) is missing or older than a main source or pom of the project.
jipc_ensure_built() {
    local root=$1 module=$2 marker=$3
    _jipc_stale() {
        [[ ! -e $marker ]] && return 0
        [[ -n $(find "$root" -path "$root/*/target" -prune -o \( -path '*/src/main/*' -o -name pom.xml \) \
            -newer "$marker" -type f -print -quit 2>/dev/null) ]]
    }
    _jipc_stale || return 0
    mkdir -p "$root/$module/target"
    exec 9>"$root/$module/target/.build.lock"
    flock 9
    if _jipc_stale; then
        if ! command -v mvn >/dev/null 2>&1; then
            echo "jipc: $module is not built and Maven (mvn) is not on PATH; install Maven and retry" >&2
            return 1
        fi
        echo "jipc: building $module (first use, or sources changed) ..." >&2
        if ! mvn -q -f "$root/pom.xml" -pl "$module" -am -DskipTests package >&2; then
            echo "jipc: build failed" >&2
            return 1
        fi
        touch "$marker"
    fi
    flock -u 9
    exec 9>&-
}
