/** The {@code jipc} command line tool. */
module io.jipc.cli {
    requires io.jipc.core;
    requires io.jipc.mq;
    requires io.jipc.net;
    requires io.jipc.segment;
    requires io.jipc.signals;
    requires io.jipc.filelock;
    requires io.jipc.pipes;
    requires io.jipc.sync;
    requires io.jipc.group;
    requires io.jipc.dsm;
    requires io.jipc.naming;
    requires io.jipc.shm;
    requires io.jipc.remote;
    requires io.jipc.rpc;
    requires info.picocli;
    requires tools.jackson.databind;
    requires HdrHistogram;

    exports io.jipc.cli.bench;
    uses io.jipc.naming.spi.NameServiceProvider;

    opens io.jipc.cli to info.picocli;
    opens io.jipc.cli.bench to info.picocli;
}
