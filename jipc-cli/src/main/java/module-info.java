/** The {@code jipc} command line tool. */
module io.jipc.cli {
    requires io.jipc.core;
    requires io.jipc.segment;
    requires io.jipc.shm;
    requires info.picocli;
    requires HdrHistogram;

    exports io.jipc.cli.bench;
    opens io.jipc.cli to info.picocli;
    opens io.jipc.cli.bench to info.picocli;
}
