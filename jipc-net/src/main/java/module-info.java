/**
 * Sockets with message semantics: Unix-domain and TCP stream connections that keep message
 * boundaries through a length-prefixed framing ({@link io.jipc.net.FrameCodec}), servers with one
 * virtual thread per client ({@link io.jipc.net.StreamServer}), Unix-domain and UDP datagrams
 * ({@link io.jipc.net.DatagramEndpoint}), and shell-style endpoints by URI
 * ({@link io.jipc.net.SocketEndpoints}). Every socket is a kernel socket made through the FFM
 * downcalls of {@code io.jipc.platform.Sockets}.
 */
module io.jipc.net {
    requires transitive io.jipc.platform;

    exports io.jipc.net;
}
