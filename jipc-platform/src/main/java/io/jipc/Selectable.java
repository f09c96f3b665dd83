package io.jipc;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A channel that a selector ({@code io.jipc.select.Selector}) can wait for together with channels
 * of other kinds: it names the thing the kernel can sleep on for it. The selector only reads
 * readiness; it never receives or sends, so the caller then uses the channel's non-blocking verb
 * ({@code poll}, {@code offer}, {@code accept(Duration.ZERO)}).
 *
 * <p>Two kinds of source exist, because there are two ways a process can be woken:
 * <ul>
 * <li>{@link Descriptor}: a kernel file descriptor whose readiness {@code epoll(7)} reports
 *     (sockets, POSIX message queues, pipes and FIFOs);</li>
 * <li>{@link Doorbell}: a 32-bit futex word in shared memory that the channel's publishers move
 *     after they made it ready, once a waiter announced itself (mailboxes; except those whose
 *     publishers never {@linkplain Doorbell#rings() ring}).</li>
 * </ul>
 * Channel modules implement this interface; they need nothing but this module, so none of them
 * depends on another or on the selector.
 */
public interface Selectable {
    /** Interest and readiness bit: a receive (or accept) would not block. */
    int OP_READ = 1;
    /** Interest and readiness bit: a send would not block. */
    int OP_WRITE = 4;

    /**
     * What a selector sleeps on for this channel; called once, when the channel is registered.
     *
     * @throws ClosedException if the channel is closed
     */
    Source readinessSource();

    /** Where readiness comes from: a {@link Descriptor} or a {@link Doorbell}. */
    sealed interface Source permits Descriptor, Doorbell {
        /** The operations ({@link #OP_READ}, {@link #OP_WRITE}) this channel can be ready for. */
        int operations();

        /** Whether the channel was closed; a selector then drops it. */
        boolean isClosed();
    }

    /**
     * A kernel descriptor: the channel is readable when {@code epoll} reports {@code EPOLLIN},
     * {@code EPOLLHUP} or {@code EPOLLERR} (a receive then returns at once, with data, an end of
     * stream or an error), writable on {@code EPOLLOUT} or {@code EPOLLERR}.
     */
    non-sealed interface Descriptor extends Source {
        /**
         * The descriptor; valid until the channel is closed (closing removes it from every epoll set,
         * unless the open file stays open elsewhere: a duplicate, a child). Once the channel is
         * closed the number may name another file: use it only inside {@link #whileOpen}.
         */
        int fd();

        /**
         * Runs {@code action} while the channel's descriptor stays open, so that {@link #fd()} names
         * this channel's open file and no other while it runs: a {@code close()} of the channel from
         * another thread meanwhile marks it closed at once but releases the descriptor only after
         * {@code action} returned. A selector adds the descriptor to its epoll set, and removes it,
         * inside. Returns false without running {@code action} if the channel is closed. Any thread;
         * {@code action} must be short, must not block and must not close the channel.
         *
         * <p>The default, for a source that has no such close discipline, only checks
         * {@link #isClosed()} first: it cannot keep a concurrent close from releasing the number.
         * The channels of jipc override it ({@link #of(int, int, Predicate, BooleanSupplier,
         * BooleanSupplier, LongSupplier)}).
         */
        default boolean whileOpen(Runnable action) {
            if (isClosed()) {
                return false;
            }
            action.run();
            return true;
        }

        /**
         * Whether input already read from the kernel into this process waits in the channel (a
         * framing buffer): then the channel is readable though the descriptor is not. Called
         * by the selecting thread, possibly while another thread receives; a hint.
         */
        default boolean hasBufferedInput() {
            return false;
        }

        /**
         * The {@link System#nanoTime()} instant by which the channel turns readable though no more
         * input comes: a frame begun but not finished, whose receive then fails with a timeout
         * (and {@link #hasBufferedInput()} then says so). {@link Long#MAX_VALUE}: none. A selector
         * sleeps no longer than this. Called like {@link #hasBufferedInput()}; a hint.
         */
        default long readableBy() {
            return Long.MAX_VALUE;
        }

        /**
         * A descriptor source of a channel with a close discipline: {@code whileOpen} runs an action
         * while the channel's descriptor stays open, or returns false if the channel is closed (see
         * {@link #whileOpen(Runnable)}); typically it enters the channel's count of calls in progress
         * around the action. {@code closed} tells whether the channel was closed, {@code buffered}
         * whether input waits in the process ({@link #hasBufferedInput()}), and {@code readableBy}
         * when it will turn readable without input ({@link #readableBy()}). (Until 2026-12-05 there
         * were also factories without {@code whileOpen}, which could not keep a racing close from
         * handing the number to another file before a selector's {@code epoll_ctl}; no channel uses
         * them any more, and they are gone.)
         */
        static Descriptor of(int fd, int operations, Predicate<Runnable> whileOpen, BooleanSupplier closed,
                             BooleanSupplier buffered, LongSupplier readableBy) {
            if ((operations & ~(OP_READ | OP_WRITE)) != 0 || operations == 0) {
                throw new IllegalArgumentException("operations must be OP_READ, OP_WRITE or both: " + operations);
            }
            return new Descriptor() {
                @Override
                public int fd() {
                    return fd;
                }

                @Override
                public int operations() {
                    return operations;
                }

                @Override
                public boolean isClosed() {
                    return closed.getAsBoolean();
                }

                @Override
                public boolean whileOpen(Runnable action) {
                    return whileOpen.test(action);
                }

                @Override
                public boolean hasBufferedInput() {
                    return buffered.getAsBoolean();
                }

                @Override
                public long readableBy() {
                    return readableBy.getAsLong();
                }
            };
        }
    }

    /**
     * A futex doorbell in shared memory, readable only ({@link #operations()} is {@link #OP_READ}).
     * Protocol: {@code expected = prepareWait(); if (!isReady()) sleep while the word at
     * waitAddress() holds expected}. A publisher that makes the channel ready after
     * {@code prepareWait()} moves the word, so the sleep ends (or never starts).
     */
    non-sealed interface Doorbell extends Source {
        /**
         * Whether a receive by this process would find something now: {@link #look()} is
         * {@link Look#READY}. Does not wait for another thread.
         */
        boolean isReady();

        /**
         * Looks once whether a receive by this process would find something now, without waiting
         * for another thread: {@link Look#BUSY} if what the look needs is held by another thread
         * (a mailbox's receiving role). A selector calls this rather than {@link #isReady()}, and
         * looks again soon while the answer is {@code BUSY}.
         */
        default Look look() {
            return isReady() ? Look.READY : Look.NOT_READY;
        }

        /**
         * Whether the channel's publishers ring this doorbell (move its word) on every change that
         * makes it ready, once a waiter announced itself: {@code true} by default. {@code false}
         * for a channel whose publishers may make it ready without a word moving, such as a
         * mailbox whose {@link WaitStrategy} never {@linkplain WaitStrategy#sleeps() sleeps}
         * ({@code SPIN}, {@code YIELD}: its receivers never sleep, so its senders never check
         * for sleepers). A selector that sleeps on a doorbell that does not ring must look again
         * on its own (as after a {@link Look#BUSY} look), or it sees the change only when
         * something else wakes it. Fixed for the channel's life; any thread.
         */
        default boolean rings() {
            return true;
        }

        /**
         * The {@link System#nanoTime()} instant by which a selector must look again on its own,
         * though this doorbell may not ring, as found by this process's last {@link #look()} that
         * answered {@link Look#NOT_READY}; {@link Long#MAX_VALUE}: none (the default). A mailbox
         * answers its dead-sender timeout from now while the record at its head is a claim not yet
         * committed: its sender may be mid-send, or dead (killed between claim and commit). A look
         * after that timeout skips a dead sender's claim, and messages committed behind it then
         * count, but nothing rings when the timeout passes (the live commit behind it rang before,
         * when its look still found the claim). A selector sleeps no longer than this, as a
         * blocked {@code take()} does. Called by the selecting thread after its look; a hint.
         */
        default long lookAgainBy() {
            return Long.MAX_VALUE;
        }

        /** Announces a waiter; returns the value to sleep against on {@link #waitAddress()}. */
        int prepareWait();

        /** Address of the 32-bit futex word (in a {@code MAP_SHARED} mapping). */
        long waitAddress();

        @Override
        default int operations() {
            return OP_READ;
        }

        /** What one {@link #look()} at a doorbell found. */
        enum Look {
            /** A receive by this process would find something now. */
            READY,
            /**
             * Nothing to receive now; the doorbell rings when that changes (except for a change
             * that only a later look can make, due by {@link Doorbell#lookAgainBy()}).
             */
            NOT_READY,
            /**
             * Not known now: another thread of this process holds what a look needs (a mailbox's
             * receiving role: a {@code MessageHandler} running inside a receive, a receiver
             * binding, a listener's handler; with shared receivers, also another process's
             * receive), or a mailbox has a delivery of this process not yet acknowledged (a
             * receive would be refused until the ack). Not ready for this select round; nothing
             * rings when the holder lets go, so a selector looks again after at most 1 ms until
             * the answer is another.
             */
            BUSY
        }
    }
}
