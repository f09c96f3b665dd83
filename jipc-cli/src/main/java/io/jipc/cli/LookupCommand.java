package io.jipc.cli;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jipc lookup NAME}: one name's entry; exit code 1 if the name is free. */
@Command(name = "lookup", mixinStandardHelpOptions = true,
        description = "Look a name up: what it stands for and who holds it. Exit code 1 if nobody does.")
final class LookupCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the name")
    String name;

    @Option(names = "--json", description = "print a JSON object")
    boolean json;

    @Mixin
    NamingOption naming;

    @Override
    public Integer call() throws Exception {
        return NamingOption.run(this::show);
    }

    private Integer show() {
        try (NameService names = naming.open()) {
            Optional<NameEntry> entry = names.lookup(name);
            if (entry.isEmpty()) {
                System.err.println("jipc: no such name: " + name);
                return 1;
            }
            System.out.print(json ? NameEntries.json(entry.get()) + "\n" : NameEntries.details(entry.get(), Instant.now()));
            return 0;
        }
    }
}
