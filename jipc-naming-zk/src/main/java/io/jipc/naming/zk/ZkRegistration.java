package io.jipc.naming.zk;

import io.jipc.ClosedException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingException;
import io.jipc.naming.spi.AbstractRegistration;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.util.Arrays;
import java.util.Optional;

/**
 * A name held in ZooKeeper by an ephemeral node of this service's session. An exists-watch on the node
 * and the service's reconnection handler call {@link #reassert()}, which re-creates the node when it is
 * gone (after the session expired), waits while a stale node of an old session still holds it, and
 * reports {@link #lost()} when another owner has it. Re-registrations run on the service's recovery
 * thread, one at a time, and may wait for the ensemble (Curator's retries); {@link #close()} and
 * {@link #isHeld()} do not wait for one: a registration closed meanwhile has its node removed on the
 * recovery thread after it.
 */
final class ZkRegistration extends AbstractRegistration {
    private final ZkNameService service;
    private final NameEntry entry;
    private final byte[] bytes;
    /**
     * Calls {@link #reassert()} when the node is deleted. One object for every {@link #watchNode()}: the
     * ZooKeeper client keeps a set of watchers per node, so setting it again after each reconnection
     * does not add another one (a new object each time would, and each would reassert).
     */
    private final CuratorWatcher nodeWatcher;
    /**
     * Whether {@link #reassert()} runs: set before it checks {@link #isClosed()}, read by
     * {@link #removeName()} after {@link #close()} marked it closed, so at least one of them sees the
     * other (a re-registration that saw it open may still create the node, and its closing then
     * removes the node after it).
     */
    private volatile boolean reasserting;

    ZkRegistration(ZkNameService service, NameEntry entry, byte[] bytes) {
        super(entry);
        this.service = service;
        this.entry = entry;
        this.bytes = bytes;
        this.nodeWatcher = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                service.recover(this::reassert);
            }
        };
    }

    @Override
    public boolean isHeld() {
        if (isClosed() || lost().isDone()) {
            return false;
        }
        try {
            return service.read(entry.name())
                    .filter(s -> s.entry().sameRegistration(entry) && s.stat().getEphemeralOwner() == service.sessionId())
                    .isPresent();
        } catch (NamingException | ClosedException e) { // unreachable, or the service closed meanwhile
            return false;
        }
    }

    /**
     * Sets a one-shot watch that calls {@link #reassert()} when the node is deleted, on the node read
     * in the same call: if that node is not this registration's (another owner deleted ours and
     * created its own between our create and this watch), or there is none, {@link #reassert()} runs
     * now and finds out. A watch set by a bare existence test would have been set on the other
     * owner's node, whose deletion might never come, and the loss never reported.
     */
    void watchNode() {
        try {
            byte[] watched = service.client().getData().usingWatcher(nodeWatcher).forPath(ZkNameService.pathOf(entry.name()));
            // ours: in this session, or a stale node of an expired session, whose deletion the watch reports
            if (!Arrays.equals(watched, bytes)) {
                service.recover(this::reassert);
            }
        } catch (KeeperException.NoNodeException gone) { // no watch is set then
            service.recover(this::reassert);
        } catch (Exception e) {
            // not connected: the reconnection handler calls reassert() again
            ZkNameService.LOG.log(System.Logger.Level.DEBUG, "cannot watch '" + entry.name() + "': " + e);
        }
    }

    /**
     * Makes sure the name is held by this registration in the current session (see the class comment).
     * Called on the service's recovery thread only, so never twice at once; it takes no lock that
     * {@link #close()} or {@link #isHeld()} takes (it held this object's monitor, which they wait for,
     * through every retry of its ZooKeeper calls).
     */
    void reassert() {
        reasserting = true;
        try {
            if (!isClosed() && !lost().isDone()) {
                reassertOpen();
            }
        } finally {
            reasserting = false;
        }
    }

    private void reassertOpen() {
        try {
            Optional<ZkNameService.Stored> stored = service.read(entry.name());
            if (stored.isEmpty()) {
                service.create(entry, bytes, CreateMode.EPHEMERAL);
                ZkNameService.LOG.log(System.Logger.Level.INFO, "re-registered '" + entry.name()
                        + "' after its node was removed (session expired?)");
            } else if (!stored.get().entry().sameRegistration(entry)) {
                throw new NameTakenException(stored.get().entry());
            }
            // ours: in this session (fine) or a stale node of an expired session, whose deletion the
            // watch reports; either way watch the node
            watchNode();
        } catch (NameTakenException taken) {
            if (isClosed()) {
                return; // closed meanwhile: nothing to report
            }
            ZkNameService.LOG.log(System.Logger.Level.WARNING, "lost the name '" + entry.name() + "': " + taken.getMessage());
            service.forget(this);
            lost().complete(taken);
        } catch (NameServiceUnavailableException notNow) {
            // the reconnection handler calls again
        } catch (NamingException e) {
            if (isClosed()) {
                return;
            }
            ZkNameService.LOG.log(System.Logger.Level.WARNING, "lost the name '" + entry.name() + "': " + e.getMessage());
            service.forget(this);
            lost().complete(e);
        }
    }

    /** Stops holding the name without removing it: {@link ZkNameService#unregister} removes it. */
    void release() {
        markClosed();
        service.forget(this);
    }

    /**
     * Removes the node now, or when the ensemble can be reached again; after the re-registration that
     * runs now, if one does (on the recovery thread, without waiting for it); nothing when the whole
     * service closes, as the session it ends takes its nodes with it.
     */
    @Override
    protected void removeName() {
        service.forget(this);
        if (service.closing()) {
            return;
        }
        if (reasserting) {
            service.removeAfterRecovery(this);
        } else {
            service.removeNode(this);
        }
    }

    /**
     * Deletes the node if it still holds this registration's entry.
     *
     * @throws NameServiceUnavailableException if the ensemble cannot be reached
     */
    void deleteNode() {
        try {
            service.read(entry.name()).filter(s -> s.entry().sameRegistration(entry))
                    .ifPresent(s -> service.delete(entry.name(), s.stat().getVersion()));
        } catch (NameServiceUnavailableException e) {
            throw e;
        } catch (NamingException e) {
            // unreadable or taken over: not this registration's node to remove
            ZkNameService.LOG.log(System.Logger.Level.DEBUG, "cannot remove '" + entry.name() + "': " + e);
        }
    }
}
