package io.jipc.cli;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.Optional;

/**
 * {@code jipc lookup NAME}: one name's entry; exit code 1 if the name is free, 2 for bad usage, 3 if the
 * name service cannot answer (docs/tools.md, "Exit codes and errors").
 */
@Command(name = "lookup", mixinStandardHelpOptions = true,
        description = "Look a name up: what it stands for and who holds it. Exit code 1 if nobody does, 2 for bad "
                + "usage, 3 if the name service cannot be reached or read.")
final class LookupCommand extends NameServiceCommand {
    @Parameters(index = "0", description = "the name")
    String name;

    @Override
    int run(NameService names) {
        Optional<NameEntry> entry = names.lookup(name);
        if (entry.isEmpty()) {
            System.err.println("jipc lookup: no such name: " + io.jipc.cli.ls.RowFormat.shown(name));
            return 1;
        }
        System.out.print(json ? NameEntries.json(entry.get()) + "\n" : NameEntries.details(entry.get(), Instant.now()));
        return 0;
    }

    /**
     * 3: exit code 1 says the name is free and 2 is bad usage, so a service that cannot answer says
     * neither (until 2026-12-05 it said 2, which a script could not tell from a usage error).
     */
    @Override
    int failureExitCode() {
        return 3;
    }
}
