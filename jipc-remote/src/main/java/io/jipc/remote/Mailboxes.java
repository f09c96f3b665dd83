package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens a mailbox by name wherever it lives: "the same program works whether the peer is local or
 * remote". The name service says where the mailbox is; when it is on this host (the record's
 * {@value #HOST} attribute is this host's {@linkplain #hostId() identity}, or the name is not
 * registered and a mailbox of that name exists here) the result is the local mailbox, through
 * shared memory; otherwise a {@link RemoteMailbox} connected to the gateway that registered it.
 */
public final class Mailboxes {
    /** The kind of a name record that locates a mailbox. */
    public static final String KIND = "mailbox";
    /** The record attribute naming the host (its {@link #hostId()}) where the mailbox lives. */
    public static final String HOST = "host";

    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    private static volatile String hostId;

    private Mailboxes() {
    }

    /**
     * Opens the mailbox {@code name}: the local one or a remote one, as described above.
     *
     * @throws io.jipc.mailbox.MailboxNotFoundException if the name is not registered and no local mailbox has it
     * @throws RemotePeerLostException                 if it is remote and its gateway cannot be reached
     * @throws RemoteMailboxException                  if its gateway no longer exports it
     */
    public static MessageChannel open(NameService names, String name, RemoteOptions options)
            throws InterruptedException {
        Optional<URI> remote = remoteAddress(names.lookup(name));
        if (remote.isPresent()) {
            return RemoteMailbox.connect(remote.get(), options);
        }
        return new LocalMailboxChannel(Mailbox.open(name));
    }

    /** {@link #open(NameService, String, RemoteOptions)} with the default options. */
    public static MessageChannel open(NameService names, String name) throws InterruptedException {
        return open(names, name, RemoteOptions.defaults());
    }

    /** The gateway address of a mailbox registered by a gateway of another host; empty for a local one. */
    static Optional<URI> remoteAddress(Optional<NameEntry> entry) {
        return entry.map(NameEntry::record)
                .filter(r -> r.kind().equals(KIND) && r.address().startsWith("tcp://"))
                .filter(r -> !hostId().equals(r.attributes().get(HOST)))
                .map(r -> URI.create(r.address()));
    }

    /**
     * This host's identity: the kernel's boot id (a random UUID drawn at boot), shared by all
     * processes, containers and network namespaces of one running kernel, i.e. by everything that
     * can share memory with this process.
     */
    public static String hostId() {
        String id = hostId;
        if (id == null) {
            try {
                id = Files.readString(BOOT_ID).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + BOOT_ID, e);
            }
            hostId = id;
        }
        return id;
    }
}
