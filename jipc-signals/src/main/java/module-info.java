/**
 * Signals between processes: {@link io.jipc.signals.ProcessSignals} sends them to a process or a
 * process group, {@link io.jipc.signals.SignalDoorbell} and {@link io.jipc.signals.SignalListener}
 * receive them in this JVM through the JVM's own signal dispatch.
 */
module io.jipc.signals {
    requires transitive io.jipc.platform;
    requires jdk.unsupported;
    requires jdk.management; // HotSpotDiagnosticMXBean: whether the JVM runs Java signal handlers (-Xrs)

    exports io.jipc.signals;
}
