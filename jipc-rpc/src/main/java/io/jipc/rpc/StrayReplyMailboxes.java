package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.platform.ProcessIdentity;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and removes the reply mailboxes of a service whose clients died before the server heard of
 * them: a client creates its reply mailbox ({@code <service>-reply-<pid>-<n>}) before its HELLO goes
 * into the request mailbox, and a client killed while its HELLO waits for room there (a server stopped
 * or held back by a full request mailbox) leaves a mailbox no server ever opened, so neither the
 * client's {@code close()} nor the server's forgetting of a dead client removes it.
 *
 * <p>A mailbox is removed only if its name is a reply mailbox name of this very service as
 * {@link RpcClient} makes them (the service's name, cut as the client cuts it to stay within 200
 * characters), no process of the name's pid runs, the file is labelled {@value RpcClient#REPLY_PROTOCOL}
 * and its creator (pid and start time) is dead: the server removes no other mailbox. Only the very file
 * checked is removed ({@link Mailbox#destroy()}), not one made under the name since. The server's sweep
 * runs this after forgetting its dead clients (whose reply mailboxes it removes itself), so a client it
 * knows is alive here, or died since: its mailbox may be removed here then, which its handle at the
 * server outlives (its own later removal finds the name gone).
 *
 * <p>The server's sweep starts a look ({@link #removeAside()}) on a virtual thread of its own, one at
 * a time, never on the deadline timer's thread: the open of a candidate waits up to the mailbox's
 * ready timeout (2 s) for a file that never became a mailbox (a client killed inside its
 * {@code create}), and the timer's thread fires the calls' deadlines (until 2026-12-07 each such file
 * held every deadline of the server up by 2 s, at every sweep). A file that could not be opened as a
 * mailbox is not opened again by this server. Nothing the look meets (a file removed meanwhile, one
 * that is not a mailbox) stops it; it blocks only in file system calls and that wait.
 */
final class StrayReplyMailboxes {
    private static final Pattern SUFFIX = Pattern.compile("-reply-(\\d{1,19})-\\d{1,19}$");
    /** The longest suffix a client gives ({@code -reply-<pid>-<n>}): the service's name is cut to leave it room. */
    private static final int LONGEST_SUFFIX = "-reply-".length() + 19 + 1 + 19;

    private final String service;
    /** Names whose file could not be opened as a mailbox: not looked at again. */
    private final Set<String> unopenable = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean looking = new AtomicBoolean();

    /** The stray reply mailboxes of {@code service}'s server. */
    StrayReplyMailboxes(String service) {
        this.service = service;
    }

    /**
     * Starts {@link #remove()} on a virtual thread unless a look started earlier is still going; returns
     * at once. Any thread.
     */
    void removeAside() {
        if (looking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("jipc-rpc-stray-replies-" + service).start(() -> {
                try {
                    remove();
                } finally {
                    looking.set(false);
                }
            });
        }
    }

    /** Removes the stray reply mailboxes of the service (see the class comment); the names removed. */
    List<String> remove() {
        List<String> removed = new ArrayList<>();
        Path directory = Mailbox.path(service).getParent();
        String prefix = service.substring(0, Math.min(service.length(), 200 - LONGEST_SUFFIX));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, glob(prefix))) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!unopenable.contains(name) && isStray(name, service) && removeIfDead(name)) {
                    removed.add(name);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no mailbox directory, or it changed under the listing: the next sweep looks again
        }
        return removed;
    }

    /** A glob for names beginning with {@code prefix} (a service name: letters, digits, {@code . _ -}). */
    private static String glob(String prefix) {
        return prefix + "*";
    }

    /**
     * Whether {@code name} is a reply mailbox name {@link RpcClient} gives in a process of {@code service}
     * whose pid runs no process now.
     */
    private static boolean isStray(String name, String service) {
        Matcher m = SUFFIX.matcher(name);
        if (!m.find()) {
            return false;
        }
        String suffix = name.substring(m.start());
        String base = service.length() + suffix.length() > 200 ? service.substring(0, 200 - suffix.length()) : service;
        if (!name.equals(base + suffix)) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Opens {@code name} and removes that very file if it is a reply mailbox whose creator is dead. */
    private boolean removeIfDead(String name) {
        Mailbox mailbox;
        try {
            mailbox = Mailbox.open(name);
        } catch (RuntimeException e) {
            unopenable.add(name); // gone meanwhile, or not a mailbox (never ready: its creator is dead)
            return false;
        }
        try {
            ProcessIdentity creator = mailbox.creator();
            return RpcClient.REPLY_PROTOCOL.equals(mailbox.protocol()) && !creator.isAlive() && mailbox.destroy();
        } catch (RuntimeException e) {
            return false;
        } finally {
            mailbox.close();
        }
    }
}
