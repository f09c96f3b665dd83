package io.jipc.dsm;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;

/**
 * How a {@link RegionHome} appears in a name service: the name {@code dsm/NAME}, a record of kind
 * {@code dsm-home} whose address is {@code tcp://HOST:PORT} or {@code unix:PATH}.
 */
final class HomeNames {
    static final String PREFIX = "dsm/";
    static final String KIND = "dsm-home";

    private HomeNames() {
    }

    /**
     * The record of a home bound at {@code bound}, reached at {@code host} (null: the bound address).
     *
     * @throws IllegalStateException if the home listens on a wildcard address and no host is given
     */
    static NameRecord record(String name, SocketAddress bound, String host) {
        String address = switch (bound) {
            case InetSocketAddress inet -> {
                String h = host;
                if (h == null) {
                    if (inet.getAddress().isAnyLocalAddress()) {
                        throw new IllegalStateException("the home of '" + name + "' listens on a wildcard address:"
                                + " say what other hosts should connect to (register(names, name, host))");
                    }
                    h = inet.getAddress().getHostAddress();
                }
                yield "tcp://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + inet.getPort();
            }
            case UnixDomainSocketAddress unix -> "unix:" + unix.getPath().toAbsolutePath();
            default -> throw new IllegalStateException("a home at " + bound + " cannot be registered");
        };
        return NameRecord.of(KIND, name, address);
    }

    /**
     * The address of the home registered as {@code name}.
     *
     * @throws DsmException if no home is registered so, or the name stands for something else
     */
    static SocketAddress resolve(NameService names, String name) {
        NameRecord record = names.lookup(PREFIX + name).map(NameEntry::record)
                .orElseThrow(() -> new DsmException("no region home is registered as '" + name + "'"));
        if (!record.kind().equals(KIND)) {
            throw new DsmException("'" + PREFIX + name + "' is a " + record.kind() + ", not a region home");
        }
        String address = record.address();
        if (address.startsWith("unix:")) {
            return UnixDomainSocketAddress.of(address.substring("unix:".length()));
        }
        try {
            URI uri = URI.create(address);
            if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
                String host = uri.getHost();
                return new InetSocketAddress(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
                        uri.getPort());
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new DsmException("the region home '" + name + "' has an address this version cannot reach: " + address);
    }
}
