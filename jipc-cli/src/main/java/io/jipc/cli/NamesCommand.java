package io.jipc.cli;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.List;

/** {@code jipc names [PREFIX]}: the registered names, with owner, liveness, kind and age. */
@Command(name = "names", mixinStandardHelpOptions = true,
        description = {"List registered names: owner pid, whether the owner is alive, kind, lifetime, age.",
                "A registered name of a dead owner is reclaimed while listing, so it does not appear;"
                        + " a persistent (bound) name stays, shown with its owner's state."})
final class NamesCommand extends NameServiceCommand {
    @Parameters(index = "0", arity = "0..1", defaultValue = "", description = "only names starting with PREFIX")
    String prefix;

    @Override
    int run(NameService names) {
        List<NameEntry> entries = names.list(prefix);
        System.out.print(json ? NameEntries.json(entries) : NameEntries.table(entries, Instant.now()));
        return 0;
    }
}
