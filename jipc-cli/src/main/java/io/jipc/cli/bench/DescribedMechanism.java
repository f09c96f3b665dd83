package io.jipc.cli.bench;

/**
 * The part of a {@link Mechanism} that describes it for the table — id, label, traits — for the
 * mechanisms that come in several variants (one class, several instances in {@link Mechanisms}).
 */
abstract class DescribedMechanism implements Mechanism {
    private final String id;
    private final String label;
    private final Traits traits;

    DescribedMechanism(String id, String label, Traits traits) {
        this.id = id;
        this.label = label;
        this.traits = traits;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String label() {
        return label;
    }

    @Override
    public final Traits traits() {
        return traits;
    }
}
