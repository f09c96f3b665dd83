package io.jipc.naming.zk;

import io.jipc.platform.Printable;
import org.apache.zookeeper.common.PathUtils;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A parsed {@code zk:} naming URI.
 *
 * @param uri            the URI as given
 * @param connectString  {@code host:port[,host:port...]}
 * @param namespace      the chroot without its leading {@code /} (Curator's namespace), default {@code jipc};
 *                       a ZooKeeper path by ZooKeeper's own rules (checked)
 * @param connectTimeout how long opening waits for a connection, and a call for an ensemble it cannot
 *                       reach ({@code timeout=}, default 15 s)
 * @param sessionTimeout the session timeout asked of the ensemble ({@code session=}, default 20 s; the
 *                       servers bound it to 2 to 20 ticks)
 */
record ZkAddress(URI uri, String connectString, String namespace, Duration connectTimeout, Duration sessionTimeout) {
    static ZkAddress parse(URI uri) {
        String authority = uri.getRawAuthority();
        if (!"zk".equalsIgnoreCase(uri.getScheme()) || authority == null || authority.isBlank()) {
            throw new IllegalArgumentException("a ZooKeeper naming URI is zk://host:port[,host:port...]/chroot, not '"
                    + uri + "'");
        }
        checkServers(uri, authority);
        String path = uri.getPath() == null ? "" : uri.getPath();
        String namespace = path.replaceAll("^/+", "").replaceAll("/+$", "");
        if (namespace.isEmpty()) {
            namespace = "jipc";
        }
        checkChroot(uri, namespace);
        Duration connect = Duration.ofSeconds(15);
        Duration session = Duration.ofSeconds(20);
        if (uri.getQuery() != null) {
            for (String parameter : uri.getQuery().split("&")) {
                int equals = parameter.indexOf('=');
                String key = equals < 0 ? parameter : parameter.substring(0, equals);
                String value = equals < 0 ? "" : parameter.substring(equals + 1);
                switch (key) {
                    case "timeout" -> connect = duration(uri, key, value);
                    case "session" -> session = duration(uri, key, value);
                    default -> throw new IllegalArgumentException("unknown parameter '" + key + "' in " + uri
                            + " (known: timeout, session)");
                }
            }
        }
        return new ZkAddress(uri, authority, namespace, connect, session);
    }

    /**
     * Refuses what ZooKeeper's client would only fail to connect to, after the whole timeout: each
     * server is {@code host}, {@code host:port} or {@code [ipv6]:port}, with a port of 1..65535
     * (ZooKeeper's 2181 if none).
     */
    private static void checkServers(URI uri, String servers) {
        for (String server : servers.split(",", -1)) {
            String host;
            String port = null;
            if (server.startsWith("[")) {
                int close = server.indexOf(']');
                host = close < 0 ? "" : server.substring(1, close);
                String rest = close < 0 ? "" : server.substring(close + 1);
                if (close < 0 || !host.matches("[0-9A-Fa-f:.]+") || !(rest.isEmpty() || rest.startsWith(":"))) {
                    throw badServer(uri, server, "an IPv6 address is written [address] or [address]:port");
                }
                port = rest.isEmpty() ? null : rest.substring(1);
            } else {
                int colon = server.indexOf(':');
                if (colon >= 0 && server.indexOf(':', colon + 1) >= 0) {
                    throw badServer(uri, server, "an IPv6 address is written [address]:port");
                }
                host = colon < 0 ? server : server.substring(0, colon);
                port = colon < 0 ? null : server.substring(colon + 1);
                if (!host.matches("[A-Za-z0-9._-]+")) {
                    throw badServer(uri, server, "no host name or address");
                }
            }
            if (port != null && (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1
                    || Integer.parseInt(port) > 65535)) {
                throw badServer(uri, server, "the port is not a number from 1 to 65535");
            }
        }
    }

    /**
     * Refuses a chroot that is not a ZooKeeper path by ZooKeeper's own rules ({@link PathUtils}: no
     * empty, {@code .} or {@code ..} node name, no NUL, and none of the characters ZooKeeper refuses,
     * such as U+0080..U+009F or U+FFF0..U+FFFF), which Curator refused with its own message naming
     * neither the URI nor the chroot, some only once connected.
     */
    private static void checkChroot(URI uri, String namespace) {
        try {
            PathUtils.validatePath("/" + namespace + ZkNameService.NAMES);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() == null ? "" : e.getMessage();
            int cause = why.indexOf(" caused by ");
            why = (cause < 0 ? why : why.substring(cause + " caused by ".length())).replaceFirst(" @[0-9]+$", "");
            throw new IllegalArgumentException("the chroot " + Printable.quoted(namespace) + " in " + uri
                    + " is not a ZooKeeper path (" + why + ")", e);
        }
    }

    private static IllegalArgumentException badServer(URI uri, String server, String why) {
        return new IllegalArgumentException("'" + server + "' in " + uri + " is not a ZooKeeper server host:port ("
                + why + ")");
    }

    /** {@code 500ms}, {@code 15s}, {@code 2m}, or an ISO-8601 duration. */
    private static Duration duration(URI uri, String key, String text) {
        Duration duration = parseDuration(uri, key, text);
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + key + "=" + text + "' in " + uri
                    + " is outside 1ms.." + Integer.MAX_VALUE + "ms (what ZooKeeper takes)");
        }
        return duration;
    }

    private static Duration parseDuration(URI uri, String key, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p") || t.startsWith("-p") || t.startsWith("+p")) { // ISO-8601: PT30S, PT2M, P1D
                return Duration.parse(text);
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.parse(text);
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + key + "=" + text + "' in " + uri
                    + " is not a duration such as 500ms, 15s or 2m", e);
        }
    }
}
