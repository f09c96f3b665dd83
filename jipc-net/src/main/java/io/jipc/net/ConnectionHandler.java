package io.jipc.net;

/**
 * Serves one client of a {@link StreamServer}, in a virtual thread of its own. The connection is
 * closed when the handler returns or throws; what it throws goes to the server's error handler.
 */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(StreamConnection connection) throws Exception;
}
