package io.jipc.naming.spi;

import io.jipc.naming.NameService;

import java.net.URI;

/**
 * A backend of the name service, found with {@link java.util.ServiceLoader} by the scheme of a naming
 * URI ({@code provides io.jipc.naming.spi.NameServiceProvider with ...} in a module descriptor, or a
 * {@code META-INF/services} file on the class path).
 */
public interface NameServiceProvider {
    /** The URI scheme served, e.g. {@code "zk"}. */
    String scheme();

    /**
     * Opens the service at {@code uri}, connected and ready.
     *
     * @throws io.jipc.naming.NameServiceUnavailableException if it cannot be reached
     */
    NameService open(URI uri);
}
