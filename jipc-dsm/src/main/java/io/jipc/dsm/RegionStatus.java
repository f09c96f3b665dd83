package io.jipc.dsm;

import java.util.Objects;

/**
 * What a home knows of one region at one moment.
 *
 * @param name     the region's name
 * @param size     its size in bytes
 * @param version  how many non-empty write sections the home has applied
 * @param replicas connected replicas
 * @param locked   whether a replica holds the write lock (in a section, or kept between sections)
 * @param kept     whether the holder keeps the lock between its sections (it may be in one or not)
 * @param waiting  write-lock requests queued behind it
 */
public record RegionStatus(String name, long size, long version, int replicas, boolean locked, boolean kept,
                           int waiting) {
    public RegionStatus {
        Objects.requireNonNull(name, "name");
    }
}
