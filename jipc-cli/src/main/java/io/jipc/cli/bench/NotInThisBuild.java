package io.jipc.cli.bench;

/**
 * A mechanism whose module is not part of this build yet: listed in the table with its qualitative
 * properties, never measured.
 */
final class NotInThisBuild implements Mechanism {
    private final String id;
    private final String label;
    private final String what;
    private final Traits traits;

    NotInThisBuild(String id, String label, String what, Traits traits) {
        this.id = id;
        this.label = label;
        this.what = what;
        this.traits = traits;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public Traits traits() {
        return traits;
    }

    @Override
    public String unavailable() {
        return "not available in this build (" + what + ")";
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        throw new UnsupportedOperationException(label + ": " + unavailable());
    }

    @Override
    public Link connect(String argument) {
        throw new UnsupportedOperationException(label + ": " + unavailable());
    }
}
