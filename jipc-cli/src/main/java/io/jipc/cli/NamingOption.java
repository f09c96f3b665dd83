package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.naming.NameService;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.concurrent.Callable;

/** {@code --naming URI}: the name service to use; default the configured one (see NamingConfiguration). */
final class NamingOption {
    @Option(names = "--naming", paramLabel = "URI",
            description = "name service: local:/ or zk://host:port/chroot (default: -Djipc.naming, $JIPC_NAMING, "
                    + "~/.config/jipc/naming, else local:/)")
    URI uri;

    NameService open() {
        return uri == null ? NameService.open() : NameService.open(uri);
    }

    /** Runs {@code command}; a jipc failure or bad input is one line on standard error and exit code 2. */
    static int run(Callable<Integer> command) throws Exception {
        try {
            return command.call();
        } catch (JipcException | IllegalArgumentException e) {
            System.err.println("jipc: " + e.getMessage());
            return 2;
        }
    }
}
