/**
 * The jipc native layer and the exception types shared by every jipc module.
 *
 * <p>Every call into the C library goes through this package: {@link io.jipc.platform.Libc} (files,
 * memory, futex) and one sibling class per further kernel facility, all linked the same way (Linux, x86-64 and
 * aarch64), using the Foreign Function &amp; Memory API only. Failures carry the errno name, the
 * call and its subject, e.g. {@code EACCES (Permission denied) from open of /dev/shm/jipc-0/x}.
 * A JVM that uses this module must be started with
 * {@code --enable-native-access=io.jipc.platform} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path). The restricted FFM operations other
 * modules need are here too: {@link io.jipc.platform.scoped.ScopedView} (exported to
 * {@code io.jipc.dsm} only) gives a view of memory that ends with an arena, so those modules need no
 * native access of their own.
 */
@SuppressWarnings("module") // the modules a package is exported to are built after this one
module io.jipc.platform {
    exports io.jipc;
    exports io.jipc.platform;
    exports io.jipc.platform.scoped to io.jipc.dsm;
}
