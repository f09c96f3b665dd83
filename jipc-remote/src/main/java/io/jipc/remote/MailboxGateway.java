package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.platform.Printable;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.Registration;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamServer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exports mailboxes of this host on a TCP port, so that {@link RemoteMailbox} clients on other hosts
 * send to them and receive from them; registers each exported mailbox in a name service (kind
 * {@value Mailboxes#KIND}, address {@code tcp://host:port/NAME}, attribute {@value Mailboxes#HOST}
 * = this host's {@linkplain Mailboxes#hostId() identity}) for as long as the gateway runs.
 *
 * <pre>{@code
 * try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("10.231.0.1", 7070))
 *         .export("orders").nameService(names).start()) {
 *     ...                                   // clients use the mailbox "orders" from other hosts
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Each client is served in a virtual thread of its own, one request at a time
 * (the protocol is in {@code docs/remote.md}).
 *
 * <p><b>Roles.</b> The gateway process sends and receives for its clients, with one handle per
 * mailbox that the connections which opened the mailbox share. It holds that handle only while
 * such a connection exists: when the last one ends (the client closed it, or was dropped: gone,
 * silent, broke the protocol), the gateway closes the handle, and so gives back whatever role its
 * process took in the mailbox — the receiver role of an exclusive mailbox (a remote receive takes
 * it), the sender role of a {@linkplain io.jipc.mailbox.MailboxOptions.Builder#singleSender
 * single-sender} mailbox (a remote send takes it) — so that a local process may take it, as when a
 * local holder closes its last handle. While a connection holds the role, a local process that tries
 * gets {@link io.jipc.mailbox.MailboxBusyException}; while a local process holds it, a remote
 * request that needs it is answered {@link Wire.ErrorCode#RECEIVER_BUSY} (the one code for both
 * roles; the text says which) and the connection stays usable. Until 2026-12-05 the gateway kept
 * every mailbox it had opened until it stopped, and with it every role it had taken.
 *
 * <p><b>A destroyed mailbox.</b> Each client's {@code Open} checks that the name still refers to
 * the mailbox file the gateway holds (its device and inode, one {@code stat}). A mailbox destroyed
 * since is not served ({@link Wire.ErrorCode#NO_SUCH_MAILBOX}, as a local open fails with
 * {@link MailboxNotFoundException}), also an exported one; one created anew under the name is
 * opened and served. A connection opened before the destroy keeps the mailbox it opened until it
 * ends, as a local handle works on until closed; the gateway closes the old handle when the last
 * such connection ends. A registration made at the start stays as it is (the same address; its id
 * is the first mailbox's).
 *
 * <p><b>Delivery.</b> A remote send is answered only once the message is in the mailbox. A remote
 * receive takes an acknowledged {@link io.jipc.mailbox.Delivery} and sends it; the message leaves
 * the mailbox only when the client's acknowledgement arrives. If the client cancels, goes silent or
 * away first, or does not acknowledge within the peer timeout (pings do not extend it; its
 * connection is then ended), the delivery is released and the next receiver (remote or local) gets
 * it, in order;
 * if the gateway process dies, the message is still in the mailbox. A process holds one delivery
 * per mailbox, so remote receives of one mailbox take turns: a client's receive waits while another
 * client's delivery awaits its acknowledgement (a receive "now" answers empty meanwhile).
 * <em>Shared receivers</em> ({@link io.jipc.mailbox.ReceivePolicy#SHARED}) have no acknowledged
 * mode, so a message in flight could not survive the gateway: such a mailbox takes remote sends,
 * and remote receives from it are refused with an error.
 *
 * <p><b>When a client dies.</b> While a request blocks at the mailbox, the connection is read on
 * a second virtual thread; the end of the connection (at once when the client process dies: the
 * kernel closes its socket), a cancellation, or silence longer than the peer timeout
 * ({@link RemoteOptions}: a vanished host, a cut link) interrupts the wait at once, and the request
 * is abandoned: nothing is sent, nothing is taken. Only room (or a message) that appears in the
 * very instant the gateway reads the end can still complete the request. An idle connection of a
 * vanished client (no heartbeats: nothing waits) is ended by the kernel after about the peer timeout:
 * the gateway sets it as each accepted connection's {@link io.jipc.net.ConnectionOptions#deadPeerTimeout()}
 * (keepalive probes and {@code TCP_USER_TIMEOUT}). Until 2026-12-05 such a connection stayed for ever.
 *
 * <p><b>Connections.</b> At most {@code ServerOptions.defaults().maxConnections()} (256) at once; one
 * beyond is closed at once. A connection that does not send its {@code Open} within the
 * {@linkplain RemoteOptions#connectTimeout() connect timeout} is ended ({@code Error(PROTOCOL)}), so
 * connections that never speak free their slots; an opened idle connection keeps its slot.
 */
public final class MailboxGateway implements AutoCloseable {
    private final StreamServer server;
    private final RemoteOptions options;
    private final Set<String> exports;
    private final boolean exportAll;
    /**
     * The current handle of each mailbox name that a connection has open: checked against the name at
     * each Open; removed (and closed) with its last connection ({@link #release}).
     */
    private final Map<String, ExportedMailbox> open = new ConcurrentHashMap<>();
    /** Every handle not yet closed: the current ones, and those of destroyed mailboxes that sessions still use. */
    private final Set<ExportedMailbox> handles = ConcurrentHashMap.newKeySet();
    private final List<Registration> registrations = new ArrayList<>();
    private final String advertisedHost;
    private volatile boolean closed;

    private MailboxGateway(Builder b) {
        this.options = b.options;
        this.exports = Set.copyOf(b.exports);
        this.exportAll = b.exportAll;
        // the kernel ends a connection whose client's host stopped answering, also an idle one (no heartbeats then)
        this.server = StreamServer.bind(b.address, ServerOptions.defaults()
                .withConnection(options.connection().withDeadPeerTimeout(options.peerTimeout())));
        this.advertisedHost = b.advertisedHost != null ? b.advertisedHost : b.address.getAddress().getHostAddress();
    }

    /** A gateway listening on {@code address} (port 0: any free port). */
    public static Builder builder(InetSocketAddress address) {
        return new Builder(address);
    }

    /** What a gateway exports, where it registers, how it times its clients. */
    public static final class Builder {
        private final InetSocketAddress address;
        private final Set<String> exports = new LinkedHashSet<>();
        private boolean exportAll;
        private NameService names;
        private RemoteOptions options = RemoteOptions.defaults();
        private String advertisedHost;

        private Builder(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
        }

        /**
         * Exports these mailboxes (they must exist when the gateway starts) and registers them;
         * each is served while a mailbox of that name exists (see the class comment).
         */
        public Builder export(String... mailboxes) {
            for (String mailbox : Objects.requireNonNull(mailboxes, "mailboxes")) {
                Objects.requireNonNull(mailbox, "a mailbox name is null");
            }
            exports.addAll(List.of(mailboxes));
            return this;
        }

        /**
         * Also serves any other mailbox of this host a client names (not registered), but for one
         * with a {@linkplain Mailbox#protocol() protocol label}: a labelled mailbox's receiver may
         * trust its senders as processes of its user, which the gateway's clients, from anywhere its
         * port is reachable, are not. Every mailbox jipc makes for such a receiver is labelled: an
         * RPC server's request mailbox ({@code jipc-rpc}: it takes the client ids in its requests on
         * trust), an RPC client's reply mailbox ({@code jipc-rpc-reply}: it takes a result for a call
         * id as the server's) and both inboxes of a process group's member ({@code jipc-group}: they
         * take the sender rank in a message as its sender), and a process's {@code Endpoint}
         * ({@code jipc-endpoint}: it takes the sender in a message's header as the sending process). Such a mailbox is served only if
         * {@linkplain #export exported} by name; a client naming it otherwise is answered
         * {@link Wire.ErrorCode#NO_SUCH_MAILBOX} with the reason. This label check is the one rule;
         * an unlabelled mailbox is served. Until 2026-12-06 every mailbox was served, and a TCP client
         * could send an RPC server calls and {@code BYE}s in another client's name; later that day reply
         * mailboxes and group inboxes were still unlabelled, and a TCP client could answer an RPC
         * client's call or send a group member a message in another rank's name.
         */
        public Builder exportAll() {
            exportAll = true;
            return this;
        }

        /** Registers the exported mailboxes there (none: no registration). */
        public Builder nameService(NameService service) {
            names = service;
            return this;
        }

        public Builder options(RemoteOptions remoteOptions) {
            options = Objects.requireNonNull(remoteOptions, "options");
            return this;
        }

        /** The host clients should connect to, as registered (default: the bind address). */
        public Builder advertisedHost(String host) {
            advertisedHost = host;
            return this;
        }

        /**
         * Opens the exported mailboxes, binds the port, registers the names and starts serving.
         *
         * @throws MailboxNotFoundException         if an exported mailbox does not exist
         * @throws io.jipc.naming.NameTakenException if a name is held by another live process
         */
        public MailboxGateway start() {
            MailboxGateway gateway = new MailboxGateway(this);
            try {
                gateway.begin(names);
                return gateway;
            } catch (RuntimeException e) {
                gateway.close();
                throw e;
            }
        }
    }

    private void begin(NameService names) {
        for (String name : exports) {
            long id;
            try (Mailbox mailbox = Mailbox.open(name)) { // it must exist; the handle is opened by the first client
                id = mailbox.id();
            }
            if (names != null) {
                registrations.add(names.register(name, NameRecord.of(Mailboxes.KIND, Long.toUnsignedString(id),
                        address(name)).withAttribute(Mailboxes.HOST, Mailboxes.hostId())));
            }
        }
        server.onHandlerError((connection, error) -> {
            if (!closed) {
                System.err.println("jipc: " + this + ": " + connection.remote() + " failed: " + error);
            }
        });
        server.start(connection -> new GatewaySession(this, connection).serve());
    }

    /** The address clients use for the mailbox {@code name}: {@code tcp://host:port/name}. */
    public String address(String name) {
        String host = advertisedHost.contains(":") ? "[" + advertisedHost + "]" : advertisedHost;
        return "tcp://" + host + ":" + port() + "/" + name;
    }

    /** The TCP port the gateway listens on. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    RemoteOptions options() {
        return options;
    }

    /**
     * The exported mailbox {@code name} for a session's {@code Open}, with a reference the session
     * gives back with {@link #release} when it ends; null if the name is not exported or no mailbox
     * has it now. The handle that other sessions have open is shared, checked at each Open (one
     * {@code stat}): a mailbox destroyed since is no longer served (null, as a local open fails), and
     * one created anew under the name is opened. The handle of the old one stays open until the
     * sessions that opened it end, as a local handle outlives a destroy. With no session, the
     * mailbox is opened anew.
     *
     * @throws io.jipc.JipcException if the name's file cannot be opened as a mailbox
     */
    ExportedMailbox acquire(String name) {
        if (closed || !(exportAll || exports.contains(name))) {
            return null;
        }
        ExportedMailbox[] acquired = new ExportedMailbox[1];
        RuntimeException[] failed = new RuntimeException[1];
        open.compute(name, (n, cached) -> {
            if (cached != null && cached.isCurrent()) {
                cached.retain();
                acquired[0] = cached;
                return cached;
            }
            // a cached handle is of a mailbox destroyed or replaced since: its sessions keep it until they end
            ExportedMailbox fresh;
            try {
                fresh = ExportedMailbox.open(n);
            } catch (MailboxNotFoundException | IllegalArgumentException e) {
                return null;
            } catch (RuntimeException e) {
                failed[0] = e; // thrown below, once the stale entry is gone (its reference was given back)
                return null;
            }
            String protocol = fresh.mailbox.protocol();
            if (!protocol.isEmpty() && !exports.contains(n)) {
                fresh.close();
                failed[0] = new LabelledMailboxException("mailbox " + Printable.quoted(n) + " is not served by " + this
                        + ": it speaks protocol " + Printable.quoted(protocol) + ", whose receiver may trust its senders"
                        + " as processes of its user (jipc labels so an RPC server's request mailbox, jipc-rpc, an RPC"
                        + " client's reply mailbox, jipc-rpc-reply, a process group member's inboxes, jipc-group, and a process's"
                        + " endpoint, jipc-endpoint);"
                        + " a gateway serves such a mailbox only if it exports it by name");
                return null;
            }
            handles.add(fresh);
            acquired[0] = fresh;
            return fresh;
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        return acquired[0];
    }

    /**
     * Why a client's {@code Open} of a mailbox the gateway serves only by its {@code exportAll} is
     * refused: the mailbox has a protocol label (see {@link Builder#exportAll()}).
     */
    static final class LabelledMailboxException extends RuntimeException {
        LabelledMailboxException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Gives back a reference {@link #acquire} handed out; the last one closes the handle, which gives
     * back the roles this process took in the mailbox (see the class comment). The current handle of
     * a name is closed while its entry is removed, in one step that an {@link #acquire} of the name
     * waits for: a client's Open then maps the mailbox afresh only once the old handle has given its
     * roles up.
     */
    void release(ExportedMailbox mailbox) {
        boolean[] current = new boolean[1];
        open.computeIfPresent(mailbox.name, (name, cached) -> {
            if (cached != mailbox) {
                return cached;
            }
            current[0] = true;
            if (!mailbox.release()) {
                return cached;
            }
            closeHandle(mailbox);
            return null;
        });
        // not the current handle (destroyed or replaced since): it never becomes current again
        if (!current[0] && mailbox.release()) {
            closeHandle(mailbox);
        }
    }

    private void closeHandle(ExportedMailbox mailbox) {
        handles.remove(mailbox);
        mailbox.close();
    }

    /** Clients connected now. */
    public int clientCount() {
        return server.connectionCount();
    }

    /**
     * Stops serving (no connection is accepted from the start of the call; blocked requests end:
     * nothing is sent or taken; unacknowledged deliveries stay in their mailboxes), then unregisters
     * the names, then closes the mailbox handles (the mailboxes stay). Idempotent. Blocks for the
     * server's close grace and for the name service's removal of each name, which for a ZooKeeper
     * ensemble gone silent may take its timeout and two thirds of its session (naming.md): new
     * connections are refused meanwhile (until 2026-12-07 the names were given up first, and a gateway
     * kept accepting new connections while they were: {@code GatewayCloseOrderTest}).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        registrations.forEach(Registration::close);
        for (ExportedMailbox mailbox : handles) {
            mailbox.close(); // unacknowledged deliveries stay at the heads of their mailboxes
        }
    }

    @Override
    public String toString() {
        String host = advertisedHost.contains(":") ? "[" + advertisedHost + "]" : advertisedHost;
        return "MailboxGateway[tcp://" + host + ":" + port() + (exportAll ? ", all mailboxes" : ", " + exports) + "]";
    }
}
