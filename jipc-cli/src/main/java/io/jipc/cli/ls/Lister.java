package io.jipc.cli.ls;

import java.util.List;

/**
 * Finds the objects of one kind. A lister only reads: it never maps, locks or changes an object, and
 * an object it cannot read becomes a row whose details say why, never an exception.
 */
@FunctionalInterface
interface Lister {
    List<ObjectRow> list(ProcessScan scan);
}
