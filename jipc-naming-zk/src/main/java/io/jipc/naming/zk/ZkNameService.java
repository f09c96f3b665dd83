package io.jipc.naming.zk;

import io.jipc.ClosedException;
import io.jipc.Timeouts;
import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.AbstractNameService;
import io.jipc.naming.spi.NameEntryCodec;
import io.jipc.naming.spi.NameListing;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.spi.WarnOnce;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.data.Stat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The name service in a ZooKeeper ensemble: one node per name under {@code /<chroot>/names/}, holding
 * the same {@link NameEntryCodec stored entry} as a local file.
 *
 * <ul>
 * <li>{@link #register} creates an <em>ephemeral</em> node: ZooKeeper's create is atomic, so of racing
 *     registrants exactly one succeeds; the node lives as long as this service's session.</li>
 * <li>{@link #bind} creates a persistent node.</li>
 * <li>An owner that dies stops its session's heartbeats; the ensemble expires the session after the
 *     session timeout and deletes its nodes. A stopped ({@code SIGSTOP}) owner also loses its
 *     session after that time, unlike with the local backend: ZooKeeper cannot tell the two apart.</li>
 * <li>When this process's own session expires (a long pause or partition), Curator opens a new one and
 *     every open registration re-registers its name (same entry, same serial) under it; a stale node
 *     of the old session is waited for until the ensemble removes it. If someone else took the name
 *     meanwhile, {@link Registration#lost()} completes with a {@link NameTakenException}: a name is
 *     never silently lost.</li>
 * <li>{@link #unregister} of a name of this process releases the registration holding it, in whichever
 *     of the process's services, so it does not take the name back.</li>
 * <li>A registration closed while the ensemble cannot be reached has its node deleted after the
 *     reconnection; closing the service ends the session, which takes all its nodes.</li>
 * <li>Watches are ZooKeeper persistent recursive watches on the names node, set again (and compared
 *     with a fresh listing) after every reconnection.</li>
 * <li>One chroot holds at most {@link #MAX_NAMES} names: {@link #register} and {@link #bind} refuse a
 *     new name beyond it (a {@link NamingException} naming the limit). A listing ({@link #list},
 *     {@code lookupById}, {@link #watch}, {@code awaitChange}) fetches every node name of the chroot in
 *     one ZooKeeper reply, and a reply larger than the client takes drops the connection (for every
 *     user of the session); so this service's client takes replies of up to {@link #MAX_REPLY_BYTES},
 *     room for {@link #MAX_LISTED} names of the longest length, and a chroot holding more nodes than
 *     that (made past the limit by other clients) fails listings with a message saying so, without
 *     sending the request.</li>
 * <li>While the ensemble cannot be reached, a call ({@link #watch} and the start of
 *     {@code awaitChange} too: until 2026-12-07 not them) waits for it (and Curator
 *     retries) at most the {@code timeout=} of the URI (15 s by default) in all, plus the time the
 *     client takes to give up a connection under way (see docs/naming.md), and fails with
 *     {@link NameServiceUnavailableException}; an interrupt pending or arriving meanwhile ends it at
 *     once the same way (the cause is the {@link InterruptedException}, the interrupt status stays
 *     set; {@code awaitChange} throws the {@link InterruptedException}). While connected, an interrupt
 *     does not end a call: a read or a removal interrupted while it waits for its answer is made
 *     again, and a create finds its own node ({@link #bounded}). The reads of the recovery and watch
 *     threads are bounded the same way, each by the timeout.</li>
 * </ul>
 */
final class ZkNameService extends AbstractNameService<ZkRegistration, ZkWatch> {
    static final System.Logger LOG = System.getLogger("io.jipc.naming.zk");
    /** Warnings about entries that every listing and lookup meets again: each logged once per process. */
    private static final WarnOnce WARNINGS = new WarnOnce(() -> LOG);
    static final String NAMES = "/names";

    /**
     * The most names one chroot holds: {@link #register} and {@link #bind} refuse a new name when the
     * names node has this many children. Every listing carries all of them in one reply: the limit
     * keeps one process's names from making everyone's listings (and watches) fail.
     */
    static final int MAX_NAMES = 10_000;
    /**
     * The most nodes a listing fetches: twice {@link #MAX_NAMES}, room for names made past the limit by
     * registrants racing each other, re-registrations after a session expired, or other clients. A
     * chroot holding more fails listings with a {@link NamingException} saying so.
     */
    static final int MAX_LISTED = 2 * MAX_NAMES;
    /**
     * The largest reply this service's ZooKeeper client takes (its {@code jute.maxbuffer}, 1 MiB by
     * default, set for this client only): a listing of {@link #MAX_LISTED} names of the longest length
     * is 20,000 times 4 + 240 bytes, 4.9 MB. A larger reply drops the connection, which looks like an
     * unreachable ensemble.
     */
    static final int MAX_REPLY_BYTES = 8 << 20;

    /** A connection attempt shorter than this may fail on a reachable, busy ensemble. */
    private static final Duration SHORT_ATTEMPT = Duration.ofSeconds(1);

    /**
     * The open services of this process: {@link #unregister} of a name registered by this process
     * through another service releases that service's registration, so it does not take the name back.
     */
    private static final Set<ZkNameService> OPEN = ConcurrentHashMap.newKeySet();

    private final ZkAddress address;
    private final CuratorFramework client;
    /**
     * Registrations closed while the ensemble could not be reached: their nodes are removed when the
     * connection comes back (or go with the session, should it expire first).
     */
    private final Set<ZkRegistration> pendingRemovals = ConcurrentHashMap.newKeySet();
    /** Re-registrations and resynchronisations after connection changes, off ZooKeeper's event thread. */
    private final ExecutorService recovery;
    /** The name of the thread of {@link #recovery}. */
    private static final String RECOVERY_THREAD = "jipc-zk-naming-recovery";

    private ZkNameService(ZkAddress address, CuratorFramework client) {
        super(address.uri());
        this.address = address;
        this.client = client;
        this.recovery = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name(RECOVERY_THREAD).unstarted(r));
    }

    static ZkNameService open(ZkAddress address) {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(address.connectString())
                .namespace(address.namespace())
                .sessionTimeoutMs((int) address.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) address.connectTimeout().toMillis())
                .retryPolicy(new ZkRetry())
                .zkClientConfig(clientConfig())
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected((int) address.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new NameServiceUnavailableException("cannot reach ZooKeeper at " + address.connectString()
                        + " within " + Timeouts.text(address.connectTimeout()) + " (naming URI " + address.uri() + ")"
                        + shortAttemptsHint(address));
            }
            try {
                client.create().creatingParentsIfNeeded().forPath(NAMES);
            } catch (KeeperException.NodeExistsException exists) {
                // made by an earlier service
            }
            ZkNameService service = new ZkNameService(address, client);
            client.getConnectionStateListenable().addListener((c, state) -> service.onConnectionState(state));
            OPEN.add(service);
            return service;
        } catch (InterruptedException e) {
            closeInBackground(client, address);
            Thread.currentThread().interrupt();
            throw new NameServiceUnavailableException("interrupted while connecting to " + address.connectString(), e);
        } catch (RuntimeException e) {
            closeInBackground(client, address);
            throw e;
        } catch (Exception e) {
            closeInBackground(client, address);
            throw new NameServiceUnavailableException("cannot use ZooKeeper at " + address.connectString() + ": " + e, e);
        }
    }

    /**
     * Closes the client of a failed {@link #open} on a thread of its own, which ends when it is closed:
     * closing a client that never connected takes about a second (ZooKeeper's connecting thread sleeps
     * up to a second between attempts, and close waits for it), so open's failure came that long after
     * the {@code timeout=} it was given.
     */
    private static void closeInBackground(CuratorFramework client, ZkAddress address) {
        Thread.ofPlatform().daemon().name("jipc-zk-close-" + address.connectString()).start(client::close);
    }

    /**
     * The ZooKeeper client's settings: the system properties' (as ZooKeeper reads them), with replies
     * of up to {@link #MAX_REPLY_BYTES} (or more, if {@code jute.maxbuffer} asks more) for this client
     * only, not the whole process as the system property would.
     */
    private static ZKClientConfig clientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        int asked = config.getInt(ZKConfig.JUTE_MAXBUFFER, ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT);
        config.setProperty(ZKConfig.JUTE_MAXBUFFER, Integer.toString(Math.max(asked, MAX_REPLY_BYTES)));
        return config;
    }

    /**
     * Until a session is made, ZooKeeper's client gives each attempt to connect to one server the
     * session timeout asked for divided by the number of servers; a {@code session=} too short for
     * that looks like servers that cannot be reached, so the failure says so.
     */
    static String shortAttemptsHint(ZkAddress address) {
        int servers = address.connectString().split(",").length;
        Duration perAttempt = Duration.ofMillis(address.sessionTimeout().toMillis() / servers); // as ZooKeeper divides
        if (perAttempt.compareTo(SHORT_ATTEMPT) >= 0) {
            return "";
        }
        return "; each attempt had only " + Timeouts.text(perAttempt) + " (ZooKeeper's client gives an attempt the "
                + "session timeout, session=" + Timeouts.text(address.sessionTimeout()) + ", divided by the "
                + servers + " server(s)): ask for a longer session=";
    }

    CuratorFramework client() {
        return client;
    }

    /** The session id of the current ZooKeeper session (0 if there is none). */
    long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The full path of the names node, {@code /<chroot>/names}, for the client without its namespace. */
    String namesPath() {
        return "/" + address.namespace() + NAMES;
    }

    static String pathOf(String name) {
        return NAMES + "/" + NameSyntax.toStorageName(name);
    }

    @Override
    public Registration register(String name, NameRecord what) {
        NameEntry entry = newEntry(name, what, Lifetime.OWNER);
        byte[] bytes = NameEntryCodec.encode(entry);
        boolean interrupted = false;
        try (ZkRetry.Deadline deadline = callDeadline()) {
            ensureRoom(name, "register '" + name + "'");
            interrupted = Thread.interrupted(); // made whole, node and watch, or not at all (while connected: see create)
            create(entry, bytes, CreateMode.EPHEMERAL);
            interrupted |= Thread.interrupted();
            ZkRegistration registration = adopt(new ZkRegistration(this, entry, bytes));
            registration.watchNode();
            return registration;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public NameEntry bind(String name, NameRecord what) {
        NameEntry entry = newEntry(name, what, Lifetime.PERSISTENT);
        try (ZkRetry.Deadline deadline = callDeadline()) {
            ensureRoom(name, "bind '" + name + "'");
            create(entry, NameEntryCodec.encode(entry), CreateMode.PERSISTENT);
            return entry;
        }
    }

    /** Whether {@code name} has a node; an interrupt is kept for the caller. */
    private boolean exists(String name, String what) {
        try {
            return bounded(again -> client.checkExists().forPath(pathOf(name))) != null;
        } catch (Exception e) {
            throw failure(what, e);
        }
    }

    /** The names node's stat, or null if there is none; an interrupt is kept for the caller. */
    private Stat namesStat(String what) {
        try {
            return bounded(again -> client.checkExists().forPath(NAMES));
        } catch (Exception e) {
            throw failure(what, e);
        }
    }

    /**
     * Refuses a new name when the chroot holds {@link #MAX_NAMES} names (see the class comment). Not
     * atomic with the create: registrants racing may pass the limit by a few names, which
     * {@link #MAX_LISTED} leaves room for.
     *
     * A name that is taken already passes, so that its create reports it taken, as below the limit.
     *
     * @throws NamingException naming the limit
     */
    private void ensureRoom(String name, String what) {
        Stat names = namesStat(what);
        if (names != null && names.getNumChildren() >= MAX_NAMES && !exists(name, what)) {
            throw new NamingException("cannot " + what + ": zk:/" + address.namespace() + NAMES + " holds "
                    + names.getNumChildren() + " names, and a chroot of the ZooKeeper name service holds at most "
                    + MAX_NAMES + "; unregister names, or use another chroot (" + address.uri() + ")");
        }
    }

    /**
     * Creates the node of {@code entry}; a node left by a retry of this very create counts as success.
     * Run as {@link #bounded} runs a call: while connected an interrupt does not stop it (it is kept
     * for the caller): ZooKeeper carries out a create it has been sent whether or not the caller still
     * waits for the answer, so giving up would leave a name that no registration holds; the create is
     * tried again instead, and finds its own node. While the ensemble cannot be reached, an interrupt
     * ends it as the timeout does, with {@link NameServiceUnavailableException}: the create may or may
     * not have been made (an ephemeral node so left goes with the session, or by {@link #unregister}).
     */
    void create(NameEntry entry, byte[] bytes, CreateMode mode) {
        String path = pathOf(entry.name());
        try {
            bounded(again -> {
                createOnce(entry, path, bytes, mode);
                return null;
            });
        } catch (Exception e) {
            throw failure((mode == CreateMode.PERSISTENT ? "bind '" : "register '") + entry.name() + "'", e);
        }
    }

    private void createOnce(NameEntry entry, String path, byte[] bytes, CreateMode mode) throws Exception {
        while (true) {
            try {
                // the names node too, and the chroot, if someone deleted them (deleteall /<chroot>)
                client.create().creatingParentsIfNeeded().withMode(mode).forPath(path, bytes);
                return;
            } catch (KeeperException.NodeExistsException exists) {
                Optional<Stored> holder;
                try {
                    holder = read(entry.name());
                } catch (CorruptNameEntryException e) {
                    throw new CorruptNameEntryException("cannot register '" + entry.name() + "': " + e.getMessage()
                            + "; unregister the name to remove it");
                }
                if (holder.isEmpty()) {
                    continue;
                }
                if (holder.get().entry.sameRegistration(entry)) {
                    return; // our own create, retried by Curator after a connection loss
                }
                throw taken(holder.get());
            }
        }
    }

    /** A node's entry (liveness judged) and stat. */
    record Stored(NameEntry entry, Stat stat) {
    }

    /**
     * The entry stored for {@code name}, or empty if none.
     *
     * @throws CorruptNameEntryException if the node does not hold a valid entry of that name
     */
    Optional<Stored> read(String name) {
        String path = pathOf(name);
        Stat stat = new Stat();
        byte[] data;
        try {
            data = bounded(again -> client.getData().storingStatIn(stat).forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("read '" + name + "'", e);
        }
        String where = "zk:" + address.namespace() + path;
        NameEntry entry = NameEntryCodec.decode(data == null ? new byte[0] : data, where);
        if (!entry.name().equals(name)) {
            throw new CorruptNameEntryException("unreadable name entry " + where + ": it holds the name '"
                    + entry.name() + "'");
        }
        return Optional.of(new Stored(judge(entry, stat), stat));
    }

    /**
     * The name is held by {@code holder}'s entry. An owner of this host that has exited still holds its
     * node until the ensemble expires its session (ZooKeeper cannot tell a dead client from a silent
     * one): the message says so, and when the name will be free.
     */
    private NameTakenException taken(Stored holder) {
        NameEntry entry = holder.entry();
        if (holder.stat().getEphemeralOwner() != 0 && entry.liveness() == Liveness.DEAD) {
            return new NameTakenException(entry, "its owner has exited, but its ZooKeeper session lives until the "
                    + "ensemble expires it, at most the session timeout after the exit (session="
                    + Timeouts.text(address.sessionTimeout()) + " here, if the owner asked the same); the name is "
                    + "free then");
        }
        return new NameTakenException(entry);
    }

    /**
     * The entry with its liveness. An ephemeral node exists only while its session lives: its owner is
     * alive as far as the ensemble knows — unless the owner is of this host and has exited (pid and
     * start time, {@link io.jipc.platform.ProcessIdentity}), whose node goes when the session expires.
     */
    static NameEntry judge(NameEntry entry, Stat stat) {
        if (stat.getEphemeralOwner() != 0) {
            boolean exited = entry.owner().isLocal() && !entry.owner().identity().isAlive();
            return entry.withLiveness(exited ? Liveness.DEAD : Liveness.ALIVE);
        }
        if (!entry.owner().isLocal()) {
            return entry.withLiveness(Liveness.UNKNOWN);
        }
        return entry.withLiveness(entry.owner().identity().isAlive() ? Liveness.ALIVE : Liveness.DEAD);
    }

    Optional<NameEntry> readReported(String name) {
        try {
            return read(name).map(Stored::entry);
        } catch (CorruptNameEntryException e) {
            WARNINGS.warn(e.getMessage() + " (skipped)");
            return Optional.empty();
        }
    }

    @Override
    public Optional<NameEntry> lookup(String name) {
        ensureOpen();
        NameSyntax.check(name);
        try (ZkRetry.Deadline deadline = callDeadline()) {
            return readReported(name);
        }
    }

    /**
     * The deadline of a naming call: its ZooKeeper calls wait for an unreachable ensemble at most this
     * service's timeout in all ({@link #bounded}). Set on the calling thread: a watch's start sets it on
     * the watch's thread ({@link ZkWatch#start}).
     */
    ZkRetry.Deadline callDeadline() {
        return ZkRetry.deadline(callTimeout().toNanos());
    }

    /** This service's {@code timeout=}: how long one naming call waits for an unreachable ensemble. */
    Duration callTimeout() {
        return address.connectTimeout();
    }

    @Override
    public boolean unregister(String name) {
        ensureOpen();
        NameSyntax.check(name);
        try (ZkRetry.Deadline deadline = callDeadline()) {
            return unregisterWithin(name);
        }
    }

    private boolean unregisterWithin(String name) {
        Stat stat;
        NameEntry entry = null; // null: unreadable
        try {
            Optional<Stored> stored = read(name);
            if (stored.isEmpty()) {
                return false;
            }
            entry = stored.get().entry;
            stat = stored.get().stat;
            boolean mine = stat.getEphemeralOwner() == sessionId()
                    || entry.owner().equals(NameOwner.current());
            if (entry.lifetime() == Lifetime.OWNER && !mine) {
                throw taken(stored.get());
            }
        } catch (CorruptNameEntryException e) {
            LOG.log(System.Logger.Level.WARNING, "removing " + e.getMessage());
            stat = null;
        }
        // a registration of this process must not take the name back when it sees its node go, whichever
        // of the process's services holds it
        NameEntry removed = entry;
        for (ZkNameService service : OPEN) {
            service.openRegistrations().stream()
                    .filter(r -> r.name().equals(name) && (service == this || r.entry().sameRegistration(removed)))
                    .forEach(ZkRegistration::release);
        }
        return delete(name, stat == null ? -1 : stat.getVersion());
    }

    /**
     * Deletes the node of {@code name} if it still has {@code version} (-1: any), as {@link #bounded}
     * runs a call: a delete interrupted while waiting for its answer on a connection is sent again,
     * and then finding no node means the first one did it; one interrupted while the ensemble cannot
     * be reached is given up (it may or may not have been made, as when the timeout passes).
     */
    boolean delete(String name, int version) {
        try {
            return bounded(again -> {
                try {
                    client.delete().withVersion(version).forPath(pathOf(name));
                    return true;
                } catch (KeeperException.NoNodeException gone) {
                    return again;
                } catch (KeeperException.BadVersionException changed) {
                    return false;
                }
            });
        } catch (Exception e) {
            throw failure("unregister '" + name + "'", e);
        }
    }

    /** A ZooKeeper call; {@code again} is true when it is made again after an interrupted try. */
    @FunctionalInterface
    interface Call<T> {
        T call(boolean again) throws Exception;
    }

    /**
     * Runs a ZooKeeper call within this service's timeout ({@code timeout=}): while the ensemble cannot
     * be reached the call waits for a connection, and Curator retries it, only until the timeout
     * after the start of the naming call that makes it (one deadline for all its ZooKeeper calls,
     * {@link ZkRetry#deadline}); then it fails with the connection loss.
     *
     * <p>Interrupts: the caller's interrupt status is kept (set again on return). While connected, a
     * call interrupted while it waits for its answer is made again (the answer is near; a lookup given
     * up could only report the name free). While the ensemble cannot be reached, an interrupt pending
     * or arriving ends the call with {@link InterruptedException}, which {@link #failure} makes a
     * {@link NameServiceUnavailableException}; but an interrupt taken by a try made while connected
     * (it is cleared for the next try, see below) no longer ends a wait that follows when the
     * connection goes during that next try: the deadline does.
     */
    <T> T bounded(Call<T> call) throws Exception {
        boolean interrupted = Thread.interrupted();
        boolean again = false;
        try (ZkRetry.Deadline deadline = ZkRetry.deadline(address.connectTimeout().toNanos())) {
            while (true) {
                try {
                    if (!connected()) {
                        if (interrupted) {
                            throw new InterruptedException("interrupted while disconnected");
                        }
                        awaitConnection(deadline);
                    }
                    return call.call(again);
                } catch (InterruptedException e) {
                    interrupted = true;
                    // Curator sets it again: left set, every next try would send its request and fail at
                    // once (a loop flooding the ensemble with requests, as closing the service's
                    // interrupt of a recovery read did)
                    Thread.interrupted();
                    if (!connected()) {
                        throw e;
                    }
                    again = true;
                } catch (Exception e) {
                    if (Thread.interrupted()) { // Curator's retries ended by an interrupt of their sleep
                        interrupted = true;
                        if (!connected()) {
                            InterruptedException ended = new InterruptedException("interrupted while disconnected");
                            ended.addSuppressed(e);
                            throw ended;
                        }
                    }
                    throw e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for a connection until the deadline (interruptibly), so that Curator's own wait (as long
     * as the whole timeout, {@code connectionTimeoutMs}) is not added to the time already spent.
     */
    private void awaitConnection(ZkRetry.Deadline deadline) throws Exception {
        long left = deadline.remainingNanos();
        if (left <= 0 || !client.blockUntilConnected((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)),
                TimeUnit.MILLISECONDS)) {
            throw new KeeperException.ConnectionLossException();
        }
    }

    @Override
    public List<NameEntry> list(String prefix) {
        ensureOpen();
        NameSyntax.checkPrefix(prefix);
        try (ZkRetry.Deadline deadline = callDeadline()) {
            return listWithin(prefix);
        }
    }

    private List<NameEntry> listWithin(String prefix) {
        Stat stat = namesStat("list names");
        if (stat == null) {
            return List.of();
        }
        if (stat.getNumChildren() > MAX_LISTED) { // the reply could be too large: do not drop the connection
            throw new NamingException("cannot list names: zk:/" + address.namespace() + NAMES + " holds "
                    + stat.getNumChildren() + " nodes, more than the " + MAX_LISTED + " a listing fetches (a "
                    + "chroot takes at most " + MAX_NAMES + " registrations; more were made by other clients); "
                    + "unregister names, or use another chroot (" + address.uri() + ")");
        }
        List<String> children;
        try {
            children = bounded(again -> client.getChildren().forPath(NAMES));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (KeeperException.ConnectionLossException e) {
            if (isClosed()) {
                throw failure("list names", e);
            }
            // the ensemble answered the stat just now: a reply too large for the client drops the
            // connection just the same (nodes of names longer than jipc's, made by another client)
            throw new NameServiceUnavailableException("cannot list names: ZooKeeper at " + address.connectString()
                    + " is not reachable, or the listing of the " + stat.getNumChildren() + " nodes of zk:/"
                    + address.namespace() + NAMES + " is larger than the " + (MAX_REPLY_BYTES >> 20) + " MiB a "
                    + "reply may have (" + e.getMessage() + ")", e);
        } catch (Exception e) {
            throw failure("list names", e);
        }
        List<String> names = new ArrayList<>();
        for (String child : children) {
            String name = NameSyntax.fromStorageName(child);
            if (name == null) {
                WARNINGS.warn("skipping node zk:" + address.namespace() + NAMES + "/" + child + ": not a jipc name");
            } else {
                names.add(name);
            }
        }
        return NameListing.select(names, prefix, this::readReported);
    }

    @Override
    public Watch watch(String prefix, Consumer<NameEvent> listener) {
        ensureOpen();
        NameSyntax.checkPrefix(prefix);
        Objects.requireNonNull(listener, "listener");
        return adoptWatch(ZkWatch.start(this, prefix, listener));
    }

    /**
     * As {@link AbstractNameService#awaitChange}; its watch starts as {@link #watch} does, and a start
     * that an interrupt ended while the ensemble could not be reached (a
     * {@link NameServiceUnavailableException} caused by an {@link InterruptedException}, the interrupt
     * status set) is this call's {@link InterruptedException}, the status cleared, as the contract of
     * an interrupted wait says; the unavailability is its cause.
     */
    @Override
    public Optional<NameEvent> awaitChange(String prefix, Duration timeout) throws InterruptedException {
        try {
            return super.awaitChange(prefix, timeout);
        } catch (NameServiceUnavailableException e) {
            if (e.getCause() instanceof InterruptedException && Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException("awaitChange('" + prefix + "'): "
                        + e.getMessage());
                interrupted.initCause(e);
                throw interrupted;
            }
            throw e;
        }
    }

    /**
     * Runs {@code task} on the recovery thread (not on ZooKeeper's event thread); a task that meets the
     * service closed meanwhile ends quietly.
     */
    void recover(Runnable task) {
        if (!isClosed()) {
            try {
                recovery.execute(() -> {
                    try {
                        task.run();
                    } catch (ClosedException closing) {
                        // the session ends, and its nodes and watches with it
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    /** Whether the service is closing (or closed): its session, and the session's nodes, are ending. */
    boolean closing() {
        return isClosed();
    }

    /** Whether the client has a connection to the ensemble now. */
    boolean connected() {
        return client.getZookeeperClient().isConnected();
    }

    /**
     * Deletes the node of a closed registration now, or, while the ensemble cannot be reached, after
     * the next reconnection (without waiting out Curator's retries here).
     */
    void removeNode(ZkRegistration closed) {
        pendingRemovals.add(closed);
        if (!connected()) {
            return; // deleted after the reconnection (removePending), or gone with the session
        }
        // deleted on the recovery thread: a server gone silent answers nothing until the client gives
        // the connection up (two thirds of the session timeout), and the close waits for that at most
        // timeout=, not at all on the recovery thread itself (a close from a listener); an interrupt
        // pending is set aside (the close is carried out, as every call with one pending) and one that
        // comes while it waits ends the wait, both kept: until 2026-12-07 it waited the two thirds,
        // deaf to interrupts (rev63c explorer)
        java.util.concurrent.CompletableFuture<Void> deleted = new java.util.concurrent.CompletableFuture<>();
        recover(() -> {
            try {
                removePending();
            } finally {
                deleted.complete(null);
            }
        });
        if (Thread.currentThread().getName().equals(RECOVERY_THREAD)) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            deleted.get(callTimeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // still waiting for the ensemble: the recovery thread goes on (and tries again after a reconnection)
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Deletes the node of a registration closed while its re-registration runs, on the recovery thread
     * after that (now, or after the next reconnection), without waiting for it here.
     */
    void removeAfterRecovery(ZkRegistration closed) {
        pendingRemovals.add(closed);
        recover(this::removePending);
    }

    private void removePending() {
        for (ZkRegistration closed : pendingRemovals) {
            try {
                closed.deleteNode();
                pendingRemovals.remove(closed);
            } catch (NameServiceUnavailableException e) {
                return; // the next reconnection tries again
            }
        }
    }

    private void onConnectionState(ConnectionState state) {
        LOG.log(System.Logger.Level.DEBUG, "ZooKeeper connection " + state + " (" + address.connectString() + ")");
        if (state == ConnectionState.RECONNECTED) {
            recover(() -> {
                removePending();
                openRegistrations().forEach(ZkRegistration::reassert);
                openWatches().forEach(ZkWatch::resynchronise);
            });
        }
    }

    /**
     * A ZooKeeper failure as a jipc exception: connectivity problems as "unavailable"; any failure once
     * this service is closed as {@link ClosedException} (with the failure as its cause): a call that
     * passed its check of the service before another thread closed it fails on the closed client
     * ({@code IllegalStateException: Client is not started or has been closed}, Curator's
     * {@code CuratorClosedException}), and the documented exception of a closed service is that one.
     */
    RuntimeException failure(String what, Exception e) {
        if (e instanceof NamingException || e instanceof ClosedException) {
            return (RuntimeException) e;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (isClosed()) {
            ClosedException closed = closedException();
            closed.initCause(e);
            return closed;
        }
        if (e instanceof InterruptedException) {
            return new NameServiceUnavailableException("cannot " + what + ": interrupted while ZooKeeper at "
                    + address.connectString() + " is not reachable", e);
        }
        if (e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException
                || e instanceof KeeperException.OperationTimeoutException) {
            return new NameServiceUnavailableException("cannot " + what + ": ZooKeeper at " + address.connectString()
                    + " is not reachable (" + e.getMessage() + ")", e);
        }
        return new NamingException("cannot " + what + " in ZooKeeper at " + address.connectString() + ": " + e, e);
    }

    /** Every watch is stopped before the first is waited for: see {@link AbstractNameService#stopWatch}. */
    @Override
    protected void stopWatch(ZkWatch watch) {
        watch.stop();
    }

    @Override
    protected void closeBackend() {
        OPEN.remove(this);
        recovery.shutdownNow();
        // closed before waiting for the recovery thread: a re-registration or removal it runs may wait for
        // an ensemble that does not answer (its reads take no interrupt), and fails at once on a closed
        // client; its registration is closed by now, so it reports nothing
        closeClient();
        try {
            recovery.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closes the client, which ends the session: it asks the ensemble to close it and waits for the
     * answer, which a server gone silent gives never (the client waits until it gives the connection
     * up, two thirds of the session timeout: 20 s with {@code session=20s} in the remote63 explorer's
     * runs, until 2026-12-07; {@code ZkSilentCloseTest}). So the close runs on a thread of its own, which
     * is interrupted after this service's timeout, or at once on an interrupt of the caller (the status
     * is kept): ZooKeeper's client then stops waiting for the answer and disconnects, and the session,
     * with its nodes, lives on in the ensemble until it expires.
     */
    private void closeClient() {
        Thread closing = Thread.ofPlatform().daemon().name("jipc-zk-naming-close").start(client::close);
        boolean interrupted = false;
        try {
            closing.join(callTimeout());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        while (closing.isAlive()) { // the disconnect then: no wait for the ensemble
            closing.interrupt(); // again, should a step of the close before the request have taken it
            try {
                closing.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ZooKeeper name service at " + address.uri();
    }
}
