package io.jipc.dsm;

import java.util.Objects;

/**
 * The home refused to open the region: its size differs from the size the region was created with,
 * it is larger than the home allows, the home holds as many regions as it may, the home's memory
 * bound has no room for the region or its snapshot, or the home speaks another major version of the
 * protocol. {@link #reason()} says which.
 */
public class RegionRefusedException extends DsmException {
    private static final long serialVersionUID = 1L;

    /** Why a home refuses a replica; the codes are part of the wire format. */
    public enum Reason {
        /** Code 1: the home could not decode what the replica sent. */
        PROTOCOL(1),
        /** Code 2: the region exists with another size. */
        SIZE_MISMATCH(2),
        /** Code 3: the size is above the home's {@link DsmOptions#maxRegionSize()}. */
        TOO_LARGE(3),
        /** Code 4: the home holds {@link DsmOptions#maxRegions()} regions already. */
        TOO_MANY_REGIONS(4),
        /** Code 5: the replica speaks another major version. */
        VERSION(5),
        /**
         * Code 6: the home's {@link DsmOptions#maxHomeMemory()} has no room for a new region and its
         * first snapshot, or, for a region that exists, for one more snapshot: the latter passes when
         * the snapshots queued for other replicas are sent (try again later). A replica of a version
         * that does not know this code takes it as {@link #PROTOCOL}.
         */
        NO_MEMORY(6);

        private final int code;

        Reason(int code) {
            this.code = code;
        }

        /** The code on the wire. */
        public int code() {
            return code;
        }

        /** The reason of {@code code}, or {@link #PROTOCOL} for a code this version does not know. */
        public static Reason of(int code) {
            for (Reason r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            return PROTOCOL;
        }
    }

    private final Reason reason;

    public RegionRefusedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
