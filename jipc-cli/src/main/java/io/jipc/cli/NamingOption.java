package io.jipc.cli;

import io.jipc.naming.NameService;
import picocli.CommandLine.Option;

import java.net.URI;

/**
 * The {@code --naming URI} option of the commands that use a name service: the one given, else the
 * configured one ({@code -Djipc.naming}, {@code $JIPC_NAMING}, {@code ~/.config/jipc/naming}, else
 * {@code local:/}).
 */
final class NamingOption {
    @Option(names = "--naming", paramLabel = "URI",
            description = "name service: local:/ or zk://host:port/chroot (default: -Djipc.naming, $JIPC_NAMING, "
                    + "~/.config/jipc/naming, else local:/)")
    URI uri;

    /** Opens the name service; the caller closes it. */
    NameService open() {
        return uri == null ? NameService.open() : NameService.open(uri);
    }
}
