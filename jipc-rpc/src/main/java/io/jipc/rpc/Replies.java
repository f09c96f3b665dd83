package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.mailbox.Mailbox;
import io.jipc.net.StreamConnection;
import io.jipc.platform.ProcessIdentity;

import java.time.Duration;

/**
 * Where the server sends one client's frames: the client's reply mailbox (same host) or its TCP
 * connection. Sends are not interruptible: an interrupted call still reports.
 */
sealed interface Replies {
    /** Sends {@code frame}, waiting for room while the client lives; false if it is gone. */
    boolean send(byte[] frame);

    /**
     * Sends the answer to the client's HELLO (WELCOME or REFUSED): through a reply mailbox at once or not
     * at all, since the thread that answers HELLOs there takes every client's requests and must not wait
     * on one client (a real client made its mailbox empty right before its HELLO, so the answer fits);
     * over a connection as {@link #send}, on that connection's own thread. False if it was not sent.
     */
    boolean answerHello(byte[] frame);

    /** Largest frame the client takes. */
    int maxFrameSize();

    /** Whether the client is known to be gone. */
    boolean clientGone();

    /** Releases the channel; removes a dead client's reply mailbox (one that client made). */
    void close();

    /**
     * Best effort, for a client about to be forgotten: sends {@code frame} if the client lives and
     * there is room at once, or (if {@code waitForRoom}) within a moment (100 ms); nothing over a
     * connection, whose closing tells. False if the client lives and there was no room: the frame is
     * still owed (the server retries it).
     */
    boolean notice(byte[] frame, boolean waitForRoom);

    /** One try of a send: true sent, false the client is gone, null try again; an interrupt means try again. */
    interface Attempt {
        Boolean attempt() throws InterruptedException;
    }

    /** Tries until an attempt decides, ignoring interrupts meanwhile and restoring the interrupt status after. */
    static boolean uninterruptibly(Attempt send) {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    Boolean done = send.attempt();
                    if (done != null) {
                        return done;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A reply mailbox of a client on this host, whose process is {@code clientToken}. {@link #send}
     * (the server's CLOSING at its close) waits for room while the client lives, for at most
     * {@code replyTimeout}; calls' replies are {@linkplain #place placed} through the client's
     * {@link ClientBacklog} instead, so that no server thread waits on a client that does not read.
     */
    record ToMailbox(Mailbox mailbox, long clientToken, Duration replyTimeout) implements Replies {
        /** How long a reply waits for room in a full reply mailbox between checks of the client's liveness. */
        static final Duration SLICE = Duration.ofMillis(100);
        /**
         * Tests only (RpcServerStallTest): run by {@link #send} when a try found no room within a slice, before
         * it decides on the clock whether to give up, to stand for the sending thread's stall there. Null
         * otherwise.
         */
        static volatile Runnable afterFullSend;

        /**
         * {@inheritDoc} Gives up once a try begun past {@code replyTimeout} found no room either: the clock is
         * read before each try, so that a stall of the sending thread after a try (a GC pause, a loaded host)
         * does not give up a reply or CLOSING for which the client made room meanwhile (until 2026-12-07 it
         * decided on a clock read after the try, and a client whose reply mailbox was full when the server
         * closed was not told; the WELCOME does not come here: it is placed at once or not at all).
         */
        @Override
        public boolean send(byte[] frame) {
            long deadline = System.nanoTime() + Timeouts.nanos(replyTimeout); // no overflow, even for centuries
            return uninterruptibly(() -> {
                long now = System.nanoTime();
                try {
                    if (mailbox.offer(frame, SLICE)) {
                        return true;
                    }
                } catch (RuntimeException e) {
                    return false; // closed or destroyed under us
                }
                Runnable seam = afterFullSend;
                if (seam != null) {
                    seam.run();
                }
                return clientGone() || now - deadline >= 0 ? false : null;
            });
        }

        /**
         * Places the answer to the HELLO if there is room now; false if not, or if the mailbox is unusable.
         * Until 2026-12-07 it waited for room as {@link #send} does, up to the reply timeout (10 s) while the
         * client's process lived: HELLOs naming a small reply mailbox nobody read held the thread that
         * takes every mailbox client's requests that long each (explorer rpc66, finding 2).
         */
        @Override
        public boolean answerHello(byte[] frame) {
            try {
                return mailbox.offer(frame);
            } catch (RuntimeException e) {
                return false;
            }
        }

        /**
         * Places {@code frame} if there is room now; false if not.
         *
         * @throws RuntimeException if the mailbox was closed (the client forgotten) or is unusable
         */
        boolean place(byte[] frame) {
            return mailbox.offer(frame);
        }

        /**
         * Places {@code frame} if there is room within {@code wait}; false if not (also if the thread
         * is interrupted, whose status is kept).
         *
         * @throws RuntimeException if the mailbox was closed (the client forgotten) or is unusable
         */
        boolean place(byte[] frame, Duration wait) {
            try {
                return mailbox.offer(frame, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        @Override
        public int maxFrameSize() {
            return mailbox.maxMessageSize();
        }

        /**
         * The client's process ended, or it removed its reply mailbox: a client that gave up its
         * handshake (a connect timeout shorter than the server's answer) removes the mailbox the
         * server has just opened, and would otherwise stay a client for as long as its process runs.
         */
        @Override
        public boolean clientGone() {
            if (!ProcessIdentity.isAlive(clientToken)) {
                return true;
            }
            try {
                return !Mailbox.exists(mailbox.name());
            } catch (JipcException unreadable) {
                // the mailbox directory refused (InsecureFileException: made open to others, or a
                // link) or not readable now: the live process and the mapping decide, as before the
                // existence test checked the directory (2026-12-07); a throw here ended the thread
                // delivering this client's replies
                return false;
            }
        }

        /**
         * Only a dead client process counts as gone here, not a removed name: a live client whose reply
         * mailbox another process removed still maps it, and the server forgets it for that
         * ({@link #clientGone}), so the CLOSING goes into the mapping and the client's calls fail at
         * once. (Until 2026-12-07 nothing was sent then, and the client's pending and later calls waited
         * for ever while the server's process lived; the client now also notices the removed name
         * itself.) A CLOSING owed to such a mailbox is not retried: the sweep counts it gone.
         */
        @Override
        public boolean notice(byte[] frame, boolean waitForRoom) {
            if (!ProcessIdentity.isAlive(clientToken)) {
                return true;
            }
            boolean interrupted = Thread.interrupted();
            try {
                return waitForRoom ? mailbox.offer(frame, SLICE) : mailbox.offer(frame);
            } catch (InterruptedException | RuntimeException e) {
                return true; // dropped: the mailbox is unusable, nothing later would do better
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * Removes the mailbox only if its client is dead and made it (its creator's pid and start time are
         * {@code clientToken}): a mailbox is never removed on behalf of a client record whose process did not
         * make it (the server welcomes only a HELLO whose process made the mailbox it names, and this holds
         * whatever a record says).
         */
        @Override
        public void close() {
            try {
                if (!ProcessIdentity.isAlive(clientToken) && mailbox.creator().token() == clientToken) {
                    mailbox.destroy();
                }
            } finally {
                mailbox.close();
            }
        }
    }

    /**
     * A client's TCP connection; the connection's reading side belongs to the server's handler.
     * Frames leave one at a time, in turn; a frame that has not left whole within the connection's
     * frame timeout of its turn (10 s by default; the client's socket buffers stay full: it stopped
     * reading) closes the connection, whose client the server then forgets, so that it cannot hold
     * a server thread for ever. The whole frame, not only its start, is bounded
     * ({@link StreamConnection#offerWhole}): a reply whose first byte left at the end of its wait
     * had a whole frame timeout more to finish (twice the bound). The frames waiting for their turn
     * behind it fail at once when it closes the connection.
     */
    record ToConnection(StreamConnection connection) implements Replies {
        @Override
        public boolean send(byte[] frame) {
            return uninterruptibly(() -> {
                try {
                    synchronized (connection) {
                        if (connection.offerWhole(frame, connection.options().frameTimeout())) {
                            return true;
                        }
                    }
                    connection.close(); // the client stopped reading its replies
                    return false;
                } catch (RuntimeException e) {
                    return false; // the peer closed, the connection was closed, or a started frame timed out (closed)
                }
            });
        }

        @Override
        public boolean answerHello(byte[] frame) {
            return send(frame);
        }

        @Override
        public int maxFrameSize() {
            return connection.options().maxFrameSize();
        }

        @Override
        public boolean clientGone() {
            return !connection.isOpen() || connection.isEndOfStream();
        }

        @Override
        public boolean notice(byte[] frame, boolean waitForRoom) {
            return true; // the connection's end tells the client
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
