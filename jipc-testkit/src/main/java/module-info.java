/** Test support for jipc: child JVMs with hard timeouts and an isolated jipc root per test class. */
module io.jipc.testkit {
    requires transitive io.jipc.platform;
    requires transitive org.junit.jupiter.api;
    requires jdk.management;

    exports io.jipc.testkit;
}
