package io.jipc.cli;

import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.spi.NameServiceProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.net.URI;
import java.util.ServiceLoader;

/**
 * The {@code --naming URI} option of the commands that use a name service: the one given, else the
 * configured one ({@code -Djipc.naming}, {@code $JIPC_NAMING}, {@code ~/.config/jipc/naming}, else
 * {@code local:/}). A URI without a scheme, or with one no backend here serves, is bad usage for
 * every such command, refused while the command line is parsed (exit code 2, the reason and the
 * usage); a service of a known scheme that cannot be reached is a failure of the system, found when
 * the command {@linkplain #open() opens} it.
 */
final class NamingOption {
    @Option(names = "--naming", paramLabel = "URI", converter = KnownScheme.class,
            description = "name service: local:/ or zk://host:port/chroot (default: -Djipc.naming, $JIPC_NAMING, "
                    + "~/.config/jipc/naming, else local:/)")
    URI uri;

    /**
     * Opens the name service; the caller closes it. A configured URI (no {@code --naming}) that is
     * malformed, or whose scheme no backend here serves, is bad usage too ({@link
     * IllegalArgumentException}: exit code 2 with the usage), as the same URI given with
     * {@code --naming} is; until 2026-12-07 an unknown configured scheme exited 1.
     */
    NameService open() {
        if (uri != null) {
            return NameService.open(uri);
        }
        URI configured = NamingConfiguration.uri(); // IllegalArgumentException if malformed, naming its source
        KnownScheme.check(configured, " (the configured naming URI: -D" + NamingConfiguration.PROPERTY + ", $"
                + NamingConfiguration.ENVIRONMENT + " or " + NamingConfiguration.configFile() + ")");
        return NameService.open(configured);
    }

    /**
     * Parses {@code --naming}'s URI and refuses one whose scheme no backend here serves, with the
     * name service's own message (what schemes there are, which module a {@code zk:} URI needs).
     * Called by picocli while it parses; does not block and opens nothing.
     */
    static final class KnownScheme implements ITypeConverter<URI> {
        @Override
        public URI convert(String text) {
            URI uri = URI.create(text); // IllegalArgumentException: picocli's "Invalid value" usage error
            try {
                check(uri, "");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return uri;
        }

        /**
         * Refuses {@code uri} if it has no scheme or one no backend here serves, with the name
         * service's own message followed by {@code where}; opens nothing that stays open.
         *
         * @throws IllegalArgumentException if the URI is refused
         */
        static void check(URI uri, String where) {
            String scheme = uri.getScheme();
            if (scheme != null && served(scheme)) {
                return;
            }
            try {
                NameService.open(uri).close(); // refused before anything is opened: no scheme, or no backend
            } catch (IllegalArgumentException | NameServiceUnavailableException e) {
                throw new IllegalArgumentException(e.getMessage() + where, e);
            }
        }

        private static boolean served(String scheme) {
            if (scheme.equalsIgnoreCase("local")) {
                return true;
            }
            for (NameServiceProvider provider : ServiceLoader.load(NameServiceProvider.class,
                    NamingOption.class.getClassLoader())) {
                if (provider.scheme().equalsIgnoreCase(scheme)) {
                    return true;
                }
            }
            return false;
        }
    }
}
