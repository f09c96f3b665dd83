package io.jipc.naming;

import io.jipc.naming.local.LocalNameService;
import io.jipc.naming.spi.NameServiceProvider;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * How a process finds its name service (the bootstrap problem: it must be answered before any name
 * can be looked up). The naming URI is the first of:
 * <ol>
 * <li>the system property {@value #PROPERTY};</li>
 * <li>the environment variable {@value #ENVIRONMENT};</li>
 * <li>the first non-blank, non-{@code #} line of the file {@code $XDG_CONFIG_HOME/jipc/naming}
 *     (default {@code ~/.config/jipc/naming});</li>
 * <li>{@code local:/} (also written {@code local:}) — the host's own name service, a directory under the jipc root
 *     ({@link io.jipc.segment.JipcRoot}), which every process of the user finds without being told.</li>
 * </ol>
 * For many hosts the URI names a ZooKeeper ensemble: {@code zk://zk1:2181,zk2:2181,zk3:2181/jipc}
 * (the path is the chroot under which jipc keeps its nodes; the query {@code ?timeout=10s} sets how
 * long opening waits for a connection, 15 s by default).
 */
public final class NamingConfiguration {
    /** System property holding the naming URI. */
    public static final String PROPERTY = "jipc.naming";
    /** Environment variable holding the naming URI. */
    public static final String ENVIRONMENT = "JIPC_NAMING";
    /** The URI of the local backend. */
    public static final URI LOCAL = URI.create("local:/");

    private NamingConfiguration() {
    }

    /** The configured naming URI (see the class comment). */
    public static URI uri() {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENVIRONMENT);
            source = "environment variable " + ENVIRONMENT;
        }
        if (configured == null || configured.isBlank()) {
            Path file = configFile();
            configured = firstLine(file);
            source = "file " + file;
        }
        if (configured == null || configured.isBlank()) {
            return LOCAL;
        }
        String text = configured.strip();
        if (text.equalsIgnoreCase("local") || text.equalsIgnoreCase("local:")) {
            return LOCAL;
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the naming URI '" + configured + "' from " + source
                    + " is malformed: " + e.getMessage(), e);
        }
    }

    /** {@code $XDG_CONFIG_HOME/jipc/naming}, else {@code ~/.config/jipc/naming}. */
    public static Path configFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("jipc").resolve("naming");
    }

    private static String firstLine(Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    return trimmed;
                }
            }
            return null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new NameServiceUnavailableException("cannot read the naming configuration " + file + ": " + e, e);
        }
    }

    static NameService open(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("a naming URI needs a scheme (local: or zk://...): '" + uri + "'");
        }
        if (scheme.equalsIgnoreCase("local")) { // schemes are case-insensitive (RFC 3986, 3.1)
            return LocalNameService.open(uri);
        }
        List<String> known = new ArrayList<>(List.of("local"));
        for (NameServiceProvider provider : ServiceLoader.load(NameServiceProvider.class,
                NamingConfiguration.class.getClassLoader())) {
            if (provider.scheme().equalsIgnoreCase(scheme)) {
                return provider.open(uri);
            }
            known.add(provider.scheme());
        }
        String hint = scheme.equalsIgnoreCase("zk") ? ": put the module jipc-naming-zk (io.jipc.naming.zk) on the module or class path" : "";
        throw new NameServiceUnavailableException("no name service backend for '" + uri + "' (schemes here: "
                + String.join(", ", known) + ")" + hint);
    }
}
