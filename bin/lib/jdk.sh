# Shared by the jipc scripts (source it): finds a JDK >= 25 and builds modules on demand.
#
# JDK search order: $JIPC_JAVA_HOME, $JAVA_HOME, java on PATH, /usr/lib/jvm/*, /usr/java/*,
# /opt/java/*, /opt/*jdk*, ~/.sdkman/candidates/java/*, ~/.jdks/*. The first JDK >= 25 is taken. A
# JIPC_JAVA_HOME that is set but is no such JDK (missing, no bin/java, older) is skipped with a
# warning on standard error that says why; the others are skipped silently.

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

# the directories whose JDKs are candidates after JAVA_HOME and PATH, one a line (a function of its
# own, so that a test can search none)
_jipc_jdk_dirs() {
    local d
    for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/*jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [[ -d $d ]] && echo "$d"
    done
    return 0
}

# prints why the JDK directory $1 cannot run jipc, or nothing if it can
_jipc_jdk_unusable() {
    local major
    if [[ ! -e $1 ]]; then
        echo "no such file or directory"
    elif [[ ! -x $1/bin/java || -d $1/bin/java ]]; then
        echo "no executable $1/bin/java"
    else
        major=$(jipc_java_major "$1/bin/java")
        if [[ -z $major ]]; then
            echo "cannot tell the Java version of $1/bin/java"
        elif [[ $major -lt $JIPC_REQUIRED_JAVA ]]; then
            echo "it is Java $major, jipc needs $JIPC_REQUIRED_JAVA or later"
        fi
    fi
}

# prints the path of a java executable of a JDK >= 25, or fails
jipc_find_java() {
    local candidates=() why
    if [[ -n ${JIPC_JAVA_HOME:-} ]]; then
        why=$(_jipc_jdk_unusable "$JIPC_JAVA_HOME")
        if [[ -z $why ]]; then
            echo "$JIPC_JAVA_HOME/bin/java"
            return 0
        fi
        echo "jipc: warning: JIPC_JAVA_HOME=$JIPC_JAVA_HOME skipped: $why; looking for another JDK" >&2
    fi
    [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    local d
    while IFS= read -r d; do
        [[ -x $d/bin/java ]] && candidates+=("$d/bin/java")
    done < <(_jipc_jdk_dirs)
    local c major
    for c in "${candidates[@]}"; do
        [[ -x $c ]] || continue
        major=$(jipc_java_major "$c")
        if [[ -n $major && $major -ge $JIPC_REQUIRED_JAVA ]]; then
            echo "$c"
            return 0
        fi
    done
    echo "jipc: no JDK $JIPC_REQUIRED_JAVA or later found; looked at JIPC_JAVA_HOME, JAVA_HOME, java on PATH," \
        "/usr/lib/jvm, /usr/java, /opt/java, /opt/*jdk*, ~/.sdkman/candidates/java and ~/.jdks;" \
        "install one or set JIPC_JAVA_HOME to its directory" >&2
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
        # Maven's output (warnings and errors: it is quiet) goes to standard error, without the colour
        # codes it writes even when not on a terminal: they end with no newline, so in a log that
        # merges both streams they would be glued to the start of the command's first line.
        local log status=0
        log=$(mktemp)
        mvn -q -f "$root/pom.xml" -pl "$module" -am -DskipTests package >"$log" 2>&1 || status=$?
        sed 's/\x1b\[[0-9;]*m//g' "$log" >&2
        rm -f "$log"
        if [[ $status -ne 0 ]]; then
            echo "jipc: build failed" >&2
            return 1
        fi
        touch "$marker"
    fi
    flock -u 9
    exec 9>&-
}

# jipc_aot_cache CACHE JAVA CLASSPATH_DIR... -- TRAINING_ARGS...: sets the array JIPC_AOT_OPTIONS to
# the JVM options that start from CACHE, an ahead-of-time cache (JDK 25, JEP 483 and 514) of the
# classes a run loads and links, or to nothing. The cache is made by one training run of JAVA with
# TRAINING_ARGS (about 3 s, with no output; its working directory an empty scratch directory,
# removed after) when it is missing, was made by another JDK, or is older than a jar under one of
# the CLASSPATH_DIRs (a build). A failed or concurrent training, or an unwritable directory, leaves
# the options empty: the command then starts as it would without them. JIPC_AOT=off turns it off.
# The JVM's own AOT messages are off: it ignores a cache that does not match its class path or
# options, silently. CACHE and the paths in TRAINING_ARGS must be absolute: the training runs in
# the scratch directory.
jipc_aot_cache() {
    local cache=$1 java=$2
    shift 2
    local dirs=()
    while [[ $# -gt 0 && $1 != -- ]]; do
        dirs+=("$1")
        shift
    done
    shift
    JIPC_AOT_OPTIONS=()
    [[ ${JIPC_AOT:-on} == off ]] && return 0
    local jdk
    jdk=$(readlink -f "$java" 2>/dev/null) || jdk=$java
    _jipc_aot_fresh() {
        [[ -s $cache && $(cat "$cache.jdk" 2>/dev/null) == "$jdk" ]] &&
            [[ -z $(find "${dirs[@]}" -name '*.jar' -newer "$cache" -print -quit 2>/dev/null) ]]
    }
    if ! _jipc_aot_fresh; then
        # one training at a time; whoever finds it taken goes on without the cache
        { exec 8>>"$cache.lock"; } 2>/dev/null || return 0
        if flock -n 8 && ! _jipc_aot_fresh; then
            # the old cache stays until the new one replaces it (mv): a start that found it fresh a
            # moment ago may be about to map it
            rm -f "$cache.tmp"
            local scratch
            if scratch=$(mktemp -d 2>/dev/null); then
                (cd "$scratch" && "$java" -XX:AOTCacheOutput="$cache.tmp" -Xlog:aot=off -Xlog:cds=off "$@" \
                    </dev/null >/dev/null 2>&1) || true
                rm -rf "$scratch"
                [[ -s $cache.tmp ]] && mv -f "$cache.tmp" "$cache" && echo "$jdk" >"$cache.jdk"
                rm -f "$cache.tmp" "$cache.tmp.config"
            fi
        fi
        exec 8>&-
        _jipc_aot_fresh || return 0
    fi
    JIPC_AOT_OPTIONS=(-XX:AOTCache="$cache" -Xlog:aot=off -Xlog:cds=off)
}
